import { statfs } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricType, Sample } from '../core/index.js';
import type { Logger } from '../telemetry/index.js';
import { CPU_MODES, cpuPercentBetween, parseProcStat } from './cpu-stats.js';
import type { ProcStat } from './cpu-stats.js';
import {
  filesystemUsage,
  isVirtualMemoryDevice,
  parseDiskstats,
  parseMounts,
  reportableMounts,
} from './disk-stats.js';
import type { DiskCounters, MountEntry } from './disk-stats.js';
import { parseNetDev } from './net-stats.js';
import type { InterfaceCounters } from './net-stats.js';
import { counterDelta, listHostDir, readHostFile, round2 } from './proc-text.js';
import { memoryUsage, parseLoadavg, parseMeminfo, parseUptime } from './system-stats.js';
import { wireLimitProblem } from './wire-format.js';

export interface HostCollectorOptions {
  /** The host's root: `/`, a fixture directory in tests, or where a container mounts the host. */
  readonly root: string;
  readonly service: string;
  readonly logger: Logger;
  readonly now?: () => number;
}

type Emit = (name: string, value: number, type: MetricType, tags?: Record<string, string>) => void;

/**
 * Reads the host's metrics from /proc and /sys under a root. Rates (CPU percent, disk and network
 * counters) need two reads: the first collection gives gauges only, each later one the change since
 * the one before. Counters go out as deltas (type counter), which the server sums per minute.
 *
 * Whatever a platform lacks (no /proc on macOS, no /sys/block in some containers) is skipped, with
 * one debug line per missing source, never an error.
 */
export class HostCollector {
  private readonly root: string;
  private readonly service: string;
  private readonly logger: Logger;
  private readonly now: () => number;
  private readonly reported = new Set<string>();
  /** Mountpoints whose statfs has not returned yet (a hung NFS server): not asked again until it does. */
  private readonly statfsPending = new Set<string>();
  private previousStat: ProcStat | undefined;
  private previousDisks = new Map<string, DiskCounters>();
  private previousNet = new Map<string, InterfaceCounters>();

  constructor(options: HostCollectorOptions) {
    this.root = options.root;
    this.service = options.service;
    this.logger = options.logger;
    this.now = options.now ?? Date.now;
  }

  async collect(): Promise<Sample[]> {
    const timestamp = this.now();
    const samples: Sample[] = [];
    const emit: Emit = (name, value, type, tags = {}) => {
      const sample: Sample = { service: this.service, name, value, timestamp, type, tags };
      const problem = wireLimitProblem(sample);
      if (problem === undefined) samples.push(sample);
      else this.once(`limits:${name}:${JSON.stringify(tags)}`, `sample left out: ${problem}`);
    };
    await Promise.all([
      this.source('proc/stat', () => this.cpu(emit)),
      this.source('proc/loadavg', () => this.load(emit)),
      this.source('proc/meminfo', () => this.memory(emit)),
      this.source('proc/uptime', () => this.uptime(emit)),
      this.source('proc (process count)', () => this.processes(emit)),
      this.source('proc/diskstats', () => this.diskIo(emit)),
      this.source('proc/net/dev', () => this.network(emit)),
      this.source('mounts', () => this.filesystems(emit)),
    ]);
    return samples;
  }

  private async cpu(emit: Emit): Promise<void> {
    const stat = parseProcStat(await readHostFile(this.root, 'proc/stat'));
    const previous = this.previousStat;
    this.previousStat = stat;
    const cores = [...stat.cpus.keys()].filter((k) => k !== 'total').length;
    if (cores > 0) emit('system_cpu_count', cores, 'gauge');
    if (stat.procsRunning !== undefined) emit('system_processes_running', stat.procsRunning, 'gauge');
    if (stat.procsBlocked !== undefined) emit('system_processes_blocked', stat.procsBlocked, 'gauge');
    if (!previous) return;
    for (const { cpu, modes, busy } of cpuPercentBetween(previous, stat)) {
      for (const mode of CPU_MODES) emit('system_cpu_percent', modes[mode], 'gauge', { cpu, mode });
      emit('system_cpu_busy_percent', busy, 'gauge', { cpu });
    }
    const switches = delta(previous.contextSwitches, stat.contextSwitches);
    if (switches !== undefined) emit('system_context_switches_total', switches, 'counter');
    const forks = delta(previous.forks, stat.forks);
    if (forks !== undefined) emit('system_forks_total', forks, 'counter');
  }

  private async load(emit: Emit): Promise<void> {
    const load = parseLoadavg(await readHostFile(this.root, 'proc/loadavg'));
    if (!load) throw new Error('unrecognised format');
    emit('system_load_1m', load.load1, 'gauge');
    emit('system_load_5m', load.load5, 'gauge');
    emit('system_load_15m', load.load15, 'gauge');
    if (load.threads !== undefined) emit('system_threads', load.threads, 'gauge');
  }

  private async memory(emit: Emit): Promise<void> {
    const usage = memoryUsage(parseMeminfo(await readHostFile(this.root, 'proc/meminfo')));
    if (!usage) throw new Error('no MemTotal');
    emit('system_memory_total_bytes', usage.totalBytes, 'gauge');
    emit('system_memory_available_bytes', usage.availableBytes, 'gauge');
    emit('system_memory_used_bytes', usage.usedBytes, 'gauge');
    if (usage.totalBytes > 0)
      emit('system_memory_used_percent', round2((100 * usage.usedBytes) / usage.totalBytes), 'gauge');
    if (usage.freeBytes !== undefined) emit('system_memory_free_bytes', usage.freeBytes, 'gauge');
    if (usage.buffersBytes !== undefined) emit('system_memory_buffers_bytes', usage.buffersBytes, 'gauge');
    if (usage.cachedBytes !== undefined) emit('system_memory_cached_bytes', usage.cachedBytes, 'gauge');
    if (usage.swap) {
      emit('system_swap_total_bytes', usage.swap.totalBytes, 'gauge');
      emit('system_swap_used_bytes', usage.swap.usedBytes, 'gauge');
      emit('system_swap_free_bytes', usage.swap.freeBytes, 'gauge');
      if (usage.swap.totalBytes > 0)
        emit(
          'system_swap_used_percent',
          round2((100 * usage.swap.usedBytes) / usage.swap.totalBytes),
          'gauge',
        );
    }
  }

  private async uptime(emit: Emit): Promise<void> {
    const seconds = parseUptime(await readHostFile(this.root, 'proc/uptime'));
    if (seconds === undefined) throw new Error('unrecognised format');
    emit('system_uptime_seconds', seconds, 'gauge');
  }

  private async processes(emit: Emit): Promise<void> {
    const entries = await listHostDir(this.root, 'proc');
    const count = entries.filter((e) => /^\d+$/.test(e)).length;
    // A /proc with no process directory is not a procfs (or not one we may read): say nothing.
    if (count === 0) throw new Error('no process directories');
    emit('system_processes', count, 'gauge');
  }

  private async diskIo(emit: Emit): Promise<void> {
    const [stats, wholeDisks] = await Promise.all([
      readHostFile(this.root, 'proc/diskstats').then(parseDiskstats),
      this.wholeDisks(),
    ]);
    const previous = this.previousDisks;
    this.previousDisks = stats;
    for (const [device, now] of stats) {
      // Partitions are left out when /sys/block says which devices are whole disks: their I/O is
      // already counted in their disk's, and a sum over devices should not count it twice.
      if (isVirtualMemoryDevice(device) || (wholeDisks && !wholeDisks.has(device))) continue;
      const before = previous.get(device);
      if (!before) continue;
      const tags = { device };
      const put = (name: string, d: number | undefined): void => {
        if (d !== undefined) emit(name, d, 'counter', tags);
      };
      put('system_disk_reads_total', counterDelta(before.reads, now.reads));
      put('system_disk_read_bytes_total', counterDelta(before.readBytes, now.readBytes));
      put('system_disk_writes_total', counterDelta(before.writes, now.writes));
      put('system_disk_written_bytes_total', counterDelta(before.writtenBytes, now.writtenBytes));
      const busyMs = counterDelta(before.ioTimeMs, now.ioTimeMs);
      put('system_disk_io_time_seconds_total', busyMs === undefined ? undefined : busyMs / 1000);
    }
  }

  /** Names in /sys/block (whole disks, device-mapper and md devices); undefined without /sys. */
  private async wholeDisks(): Promise<Set<string> | undefined> {
    try {
      return new Set(await listHostDir(this.root, 'sys/block'));
    } catch (err) {
      this.once('sys/block', 'sys/block unavailable: disk I/O includes partitions', err);
      return undefined;
    }
  }

  private async network(emit: Emit): Promise<void> {
    const counters = parseNetDev(await readHostFile(this.root, 'proc/net/dev'));
    const previous = this.previousNet;
    this.previousNet = counters;
    for (const [name, now] of counters) {
      const before = previous.get(name);
      if (!before) continue;
      const tags = { interface: name };
      const put = (metric: string, key: keyof InterfaceCounters): void => {
        const d = counterDelta(before[key], now[key]);
        if (d !== undefined) emit(metric, d, 'counter', tags);
      };
      put('system_network_received_bytes_total', 'receivedBytes');
      put('system_network_transmitted_bytes_total', 'transmittedBytes');
      put('system_network_received_packets_total', 'receivedPackets');
      put('system_network_transmitted_packets_total', 'transmittedPackets');
      put('system_network_receive_errors_total', 'receiveErrors');
      put('system_network_transmit_errors_total', 'transmitErrors');
      put('system_network_receive_drops_total', 'receiveDrops');
      put('system_network_transmit_drops_total', 'transmitDrops');
    }
  }

  private async filesystems(emit: Emit): Promise<void> {
    const mounts = reportableMounts(parseMounts(await this.mountTable()));
    await Promise.all(mounts.map((mount) => this.filesystem(mount, emit)));
  }

  /**
   * The agent's own mount table when it reads the real root; under another root (a container with
   * the host mounted at /host), the host's, as init (pid 1) sees it.
   */
  private async mountTable(): Promise<string> {
    const candidates = this.root === '/' ? ['proc/self/mounts'] : ['proc/1/mounts', 'proc/mounts'];
    let lastError: unknown;
    for (const file of candidates) {
      try {
        return await readHostFile(this.root, file);
      } catch (err) {
        lastError = err;
      }
    }
    throw lastError;
  }

  private async filesystem(mount: MountEntry, emit: Emit): Promise<void> {
    const key = mount.mountpoint;
    if (this.statfsPending.has(key)) {
      this.once(`statfs-hung:${key}`, `statfs ${key} has not returned since an earlier collection; skipped`);
      return;
    }
    this.statfsPending.add(key);
    let stat;
    try {
      stat = await statfs(join(this.root, mount.mountpoint));
    } catch (err) {
      this.once(`statfs:${key}`, `statfs ${key} failed; its usage is skipped`, err);
      return;
    } finally {
      this.statfsPending.delete(key);
    }
    const usage = filesystemUsage(stat);
    if (!usage) return;
    const tags = { mountpoint: mount.mountpoint, device: mount.device, fstype: mount.fstype };
    emit('system_filesystem_size_bytes', usage.sizeBytes, 'gauge', tags);
    emit('system_filesystem_used_bytes', usage.usedBytes, 'gauge', tags);
    emit('system_filesystem_available_bytes', usage.availableBytes, 'gauge', tags);
    emit('system_filesystem_used_percent', usage.usedPercent, 'gauge', tags);
    if (usage.inodesTotal > 0) {
      emit('system_filesystem_inodes_total', usage.inodesTotal, 'gauge', tags);
      emit('system_filesystem_inodes_used', usage.inodesUsed, 'gauge', tags);
    }
  }

  /** Runs one source; a failure skips its metrics and is logged once, at debug. */
  private async source(name: string, read: () => Promise<void>): Promise<void> {
    try {
      await read();
    } catch (err) {
      this.once(name, `${name} unavailable on this host; its metrics are skipped`, err);
    }
  }

  private once(key: string, message: string, err?: unknown): void {
    if (this.reported.has(key)) return;
    this.reported.add(key);
    // The reason, not the stack: a missing file on a platform without it is not a bug.
    const reason = err instanceof Error ? err.message : err === undefined ? undefined : String(err);
    this.logger.debug({ root: this.root, reason }, message);
  }
}

function delta(previous: number | undefined, current: number | undefined): number | undefined {
  return current === undefined ? undefined : counterDelta(previous, current);
}
