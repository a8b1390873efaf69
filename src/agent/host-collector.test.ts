import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Sample } from '../core/index.js';
import { HostCollector } from './host-collector.js';
import { captureLogger } from '../../test/support/capture-logger.js';

const fixture = (snapshot: string): string =>
  fileURLToPath(new URL(`./fixtures/${snapshot}`, import.meta.url));

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vantage-agent-root-'));
  cpSync(fixture('host-t0'), root, { recursive: true });
  // Mountpoints of the fixture's mount table, so that statfs finds them below the root.
  mkdirSync(join(root, 'boot', 'efi'), { recursive: true });
  mkdirSync(join(root, 'srv', 'data disk'), { recursive: true });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

function find(samples: Sample[], name: string, tags: Record<string, string> = {}): Sample | undefined {
  return samples.find((s) => s.name === name && Object.entries(tags).every(([k, v]) => s.tags[k] === v));
}

describe('HostCollector over fixture /proc and /sys', () => {
  it('gives gauges on the first read, and rates and counter deltas from the second', async () => {
    let clock = 1_764_201_600_000;
    const { logger } = captureLogger();
    const collector = new HostCollector({ root, service: 'host:web-1', logger, now: () => clock });

    const first = await collector.collect();
    expect(first.every((s) => s.service === 'host:web-1' && s.timestamp === clock)).toBe(true);
    expect(find(first, 'system_memory_used_bytes')?.value).toBe((16318412 - 9876544) * 1024);
    expect(find(first, 'system_load_1m')?.value).toBe(0.52);
    expect(find(first, 'system_processes')?.value).toBe(4);
    expect(find(first, 'system_cpu_count')?.value).toBe(4);
    expect(find(first, 'system_uptime_seconds')?.value).toBe(350123.45);
    // Rates and deltas need an earlier read.
    expect(first.filter((s) => s.type === 'counter' || s.name === 'system_cpu_percent')).toEqual([]);

    cpSync(fixture('host-t1'), root, { recursive: true });
    clock += 5_000;
    const second = await collector.collect();

    expect(find(second, 'system_cpu_percent', { cpu: 'total', mode: 'user' })).toMatchObject({
      value: 10,
      type: 'gauge',
      timestamp: clock,
    });
    expect(find(second, 'system_cpu_busy_percent', { cpu: 'cpu0' })?.value).toBe(30);
    expect(second.filter((s) => s.name === 'system_cpu_percent')).toHaveLength(5 * 8);

    // Disk I/O: whole disks and device-mapper only; partitions, loop and RAM devices left out.
    const diskDevices = new Set(
      second.filter((s) => s.name.startsWith('system_disk_')).map((s) => s.tags.device),
    );
    expect([...diskDevices].sort()).toEqual(['dm-0', 'nvme0n1', 'sda']);
    expect(find(second, 'system_disk_read_bytes_total', { device: 'sda' })).toMatchObject({
      value: 2048 * 512,
      type: 'counter',
    });
    expect(find(second, 'system_disk_written_bytes_total', { device: 'sda' })?.value).toBe(4096 * 512);
    expect(find(second, 'system_disk_reads_total', { device: 'sda' })?.value).toBe(100);
    expect(find(second, 'system_disk_writes_total', { device: 'sda' })?.value).toBe(50);
    expect(find(second, 'system_disk_io_time_seconds_total', { device: 'sda' })?.value).toBe(0.25);

    expect(find(second, 'system_network_received_bytes_total', { interface: 'eth0' })).toMatchObject({
      value: 1_500_000,
      type: 'counter',
    });
    expect(find(second, 'system_network_transmitted_packets_total', { interface: 'eth0' })?.value).toBe(800);
    expect(find(second, 'system_network_receive_errors_total', { interface: 'eth0' })?.value).toBe(1);
    expect(find(second, 'system_network_receive_drops_total', { interface: 'eth0' })?.value).toBe(2);
    expect(find(second, 'system_network_received_bytes_total', { interface: 'docker0' })?.value).toBe(0);
    expect(find(second, 'system_context_switches_total')?.value).toBe(10_000);
    expect(find(second, 'system_forks_total')?.value).toBe(100);
    expect(find(second, 'system_processes_blocked')?.value).toBe(1);
  });

  it('reports the usage of each real filesystem with its mountpoint, device and type', async () => {
    const { logger } = captureLogger();
    const samples = await new HostCollector({ root, service: 'host:web-1', logger }).collect();
    const mountpoints = samples
      .filter((s) => s.name === 'system_filesystem_size_bytes')
      .map((s) => s.tags.mountpoint)
      .sort();
    expect(mountpoints).toEqual(['/', '/boot/efi', '/srv/data disk']);
    const rootFs = (name: string): number => find(samples, name, { mountpoint: '/' })?.value ?? NaN;
    expect(find(samples, 'system_filesystem_used_bytes', { mountpoint: '/' })?.tags).toEqual({
      mountpoint: '/',
      device: '/dev/mapper/vg0-root',
      fstype: 'ext4',
    });
    expect(rootFs('system_filesystem_size_bytes')).toBeGreaterThan(0);
    expect(
      rootFs('system_filesystem_used_bytes') + rootFs('system_filesystem_available_bytes'),
    ).toBeLessThanOrEqual(rootFs('system_filesystem_size_bytes'));
    expect(rootFs('system_filesystem_used_percent')).toBeGreaterThanOrEqual(0);
    expect(rootFs('system_filesystem_used_percent')).toBeLessThanOrEqual(100);
  });

  it('skips a mountpoint it cannot stat, saying so once', async () => {
    rmSync(join(root, 'srv'), { recursive: true });
    const { logger, lines } = captureLogger();
    const collector = new HostCollector({ root, service: 'host:web-1', logger });
    await collector.collect();
    const samples = await collector.collect();
    expect(samples.some((s) => s.tags.mountpoint === '/srv/data disk')).toBe(false);
    expect(samples.some((s) => s.tags.mountpoint === '/')).toBe(true);
    expect(lines.filter((l) => l.msg.includes('/srv/data disk'))).toHaveLength(1);
  });

  it('on a host without /proc or /sys, collects nothing and logs each missing source once, at debug', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'vantage-agent-empty-'));
    try {
      const { logger, lines } = captureLogger();
      const collector = new HostCollector({ root: empty, service: 'host:mac', logger });
      expect(await collector.collect()).toEqual([]);
      expect(await collector.collect()).toEqual([]);
      expect(lines.length).toBeGreaterThan(0);
      expect(lines.every((l) => l.level === 20)).toBe(true);
      const messages = lines.map((l) => l.msg);
      expect(new Set(messages).size).toBe(messages.length);
      expect(messages.some((m) => m.startsWith('proc/stat unavailable'))).toBe(true);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('leaves out a sample that breaks the collector limits instead of risking the batch', async () => {
    // Longer than a tag value may be (256), in components short enough for the filesystem.
    const long = `/${['a', 'b', 'c'].map((c) => c.repeat(100)).join('/')}`;
    mkdirSync(join(root, long), { recursive: true });
    const mountsPath = join(root, 'proc', '1', 'mounts');
    writeFileSync(mountsPath, `${readFileSync(mountsPath, 'utf8')}/dev/sdz1 ${long} ext4 rw 0 0\n`);
    const { logger, lines } = captureLogger();
    const samples = await new HostCollector({ root, service: 'host:web-1', logger }).collect();
    expect(samples.some((s) => s.tags.mountpoint === long)).toBe(false);
    expect(samples.some((s) => s.tags.mountpoint === '/')).toBe(true);
    expect(lines.some((l) => l.msg.includes('longer than 256'))).toBe(true);
  });
});
