import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  filesystemUsage,
  isVirtualMemoryDevice,
  parseDiskstats,
  parseMounts,
  reportableMounts,
} from './disk-stats.js';
import { parseNetDev } from './net-stats.js';
import { counterDelta } from './proc-text.js';
import { memoryUsage, parseLoadavg, parseMeminfo, parseUptime } from './system-stats.js';

const fixture = (path: string): string =>
  readFileSync(new URL(`./fixtures/${path}`, import.meta.url), 'utf8');

describe('load, uptime and memory', () => {
  it('reads /proc/loadavg', () => {
    expect(parseLoadavg(fixture('host-t0/proc/loadavg'))).toEqual({
      load1: 0.52,
      load5: 0.61,
      load15: 0.58,
      runnable: 3,
      threads: 1021,
    });
    expect(parseLoadavg('garbage')).toBeUndefined();
  });

  it('reads /proc/uptime', () => {
    expect(parseUptime(fixture('host-t0/proc/uptime'))).toBe(350123.45);
    expect(parseUptime('')).toBeUndefined();
  });

  it('reads /proc/meminfo in bytes; used is total minus available', () => {
    const meminfo = parseMeminfo(fixture('host-t0/proc/meminfo'));
    expect(meminfo.get('MemTotal')).toBe(16318412 * 1024);
    expect(meminfo.get('Active(anon)')).toBe(4567890 * 1024);
    expect(meminfo.get('HugePages_Total')).toBe(0);
    const usage = memoryUsage(meminfo);
    expect(usage).toMatchObject({
      totalBytes: 16318412 * 1024,
      availableBytes: 9876544 * 1024,
      usedBytes: (16318412 - 9876544) * 1024,
      freeBytes: 1523876 * 1024,
      cachedBytes: 7654320 * 1024,
      swap: { totalBytes: 4194300 * 1024, freeBytes: 3145724 * 1024, usedBytes: (4194300 - 3145724) * 1024 },
    });
  });

  it('estimates available memory on kernels without MemAvailable', () => {
    const usage = memoryUsage(
      parseMeminfo('MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n'),
    );
    expect(usage?.availableBytes).toBe(400 * 1024);
    expect(usage?.usedBytes).toBe(600 * 1024);
    expect(usage?.swap).toBeUndefined();
    expect(memoryUsage(parseMeminfo(''))).toBeUndefined();
  });
});

describe('disks', () => {
  it('reads /proc/diskstats with bytes from 512-byte sectors', () => {
    const disks = parseDiskstats(fixture('host-t0/proc/diskstats'));
    expect(disks.get('sda')).toEqual({
      reads: 254321,
      readBytes: 20345678 * 512,
      writes: 987654,
      writtenBytes: 87654321 * 512,
      ioTimeMs: 456789,
    });
    expect([...disks.keys()]).toEqual(['sda', 'sda1', 'nvme0n1', 'nvme0n1p1', 'dm-0', 'loop0', 'ram0']);
  });

  it('tells loop and RAM devices from disks', () => {
    expect(['loop0', 'ram0', 'zram0'].every(isVirtualMemoryDevice)).toBe(true);
    expect(['sda', 'nvme0n1', 'dm-0', 'loopback'].some(isVirtualMemoryDevice)).toBe(false);
  });

  it('keeps real filesystems, once per device, and unescapes paths', () => {
    const mounts = parseMounts(fixture('host-t0/proc/1/mounts'));
    expect(mounts).toHaveLength(15);
    expect(reportableMounts(mounts)).toEqual([
      { device: '/dev/mapper/vg0-root', mountpoint: '/', fstype: 'ext4' },
      { device: '/dev/nvme0n1p1', mountpoint: '/boot/efi', fstype: 'vfat' },
      { device: '/dev/sda1', mountpoint: '/srv/data disk', fstype: 'xfs' },
    ]);
  });

  it('computes usage as df does', () => {
    const usage = filesystemUsage({
      bsize: 4096,
      blocks: 1000,
      bfree: 300,
      bavail: 250,
      files: 500,
      ffree: 100,
    });
    expect(usage).toEqual({
      sizeBytes: 4096_000,
      usedBytes: 700 * 4096,
      availableBytes: 250 * 4096,
      usedPercent: 73.68,
      inodesTotal: 500,
      inodesUsed: 400,
    });
    expect(
      filesystemUsage({ bsize: 4096, blocks: 0, bfree: 0, bavail: 0, files: 0, ffree: 0 }),
    ).toBeUndefined();
  });
});

describe('network', () => {
  it('reads /proc/net/dev', () => {
    const net = parseNetDev(fixture('host-t0/proc/net/dev'));
    expect([...net.keys()]).toEqual(['lo', 'eth0', 'docker0']);
    expect(net.get('eth0')).toEqual({
      receivedBytes: 9876543210,
      receivedPackets: 7654321,
      receiveErrors: 3,
      receiveDrops: 12,
      transmittedBytes: 1234567890,
      transmittedPackets: 5432109,
      transmitErrors: 0,
      transmitDrops: 0,
    });
  });

  it('reads a long interface name that touches its first number', () => {
    const net = parseNetDev('veth1a2b3c4d5e6:1234 5 0 0 0 0 0 0 678 9 0 0 0 0 0 0\n');
    expect(net.get('veth1a2b3c4d5e6')?.receivedBytes).toBe(1234);
    expect(net.get('veth1a2b3c4d5e6')?.transmittedPackets).toBe(9);
  });
});

describe('counterDelta', () => {
  it('is the increase, and nothing on the first read or after a reset', () => {
    expect(counterDelta(100, 150)).toBe(50);
    expect(counterDelta(undefined, 150)).toBeUndefined();
    expect(counterDelta(150, 10)).toBeUndefined();
  });
});
