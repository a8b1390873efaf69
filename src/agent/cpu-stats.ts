import { fields, round2, wholeNumber } from './proc-text.js';

/** The modes of a `cpu` line of /proc/stat, in kernel order. */
export const CPU_MODES = ['user', 'nice', 'system', 'idle', 'iowait', 'irq', 'softirq', 'steal'] as const;
export type CpuMode = (typeof CPU_MODES)[number];

/** Ticks spent in each mode since boot, for `total` or one core (`cpu0`, `cpu1`, ...). */
export type CpuTimes = Readonly<Record<CpuMode, number>>;

/** What one read of /proc/stat gives. */
export interface ProcStat {
  /** Keyed by `total`, `cpu0`, `cpu1`, ... */
  readonly cpus: ReadonlyMap<string, CpuTimes>;
  readonly contextSwitches: number | undefined;
  /** Processes and threads created since boot. */
  readonly forks: number | undefined;
  readonly procsRunning: number | undefined;
  readonly procsBlocked: number | undefined;
}

export function parseProcStat(text: string): ProcStat {
  const cpus = new Map<string, CpuTimes>();
  const scalars = new Map<string, number>();
  for (const line of text.split('\n')) {
    const [key, ...rest] = fields(line);
    if (key === undefined) continue;
    if (/^cpu\d*$/.test(key)) {
      const times = parseCpuTimes(rest);
      if (times) cpus.set(key === 'cpu' ? 'total' : key, times);
    } else {
      const value = wholeNumber(rest[0]);
      if (value !== undefined) scalars.set(key, value);
    }
  }
  return {
    cpus,
    contextSwitches: scalars.get('ctxt'),
    forks: scalars.get('processes'),
    procsRunning: scalars.get('procs_running'),
    procsBlocked: scalars.get('procs_blocked'),
  };
}

// guest and guest_nice (columns 9 and 10) are already counted in user and nice: they are left out so
// that the modes add up to the time that passed.
function parseCpuTimes(columns: string[]): CpuTimes | undefined {
  const out: Partial<Record<CpuMode, number>> = {};
  for (const [i, mode] of CPU_MODES.entries()) {
    // Kernels before 2.6.11 lack steal (and older ones iowait, irq, softirq): count them as 0.
    const value = columns[i] === undefined ? 0 : wholeNumber(columns[i]);
    if (value === undefined) return undefined;
    out[mode] = value;
  }
  return out as CpuTimes;
}

export interface CpuPercent {
  /** `total`, `cpu0`, ... */
  readonly cpu: string;
  readonly modes: Readonly<Record<CpuMode, number>>;
  /** 100 minus idle and iowait: the share of time the CPU was doing work. */
  readonly busy: number;
}

/**
 * The share of time in each mode between two reads. A core missing from either read (taken offline)
 * or whose counters did not advance is left out.
 */
export function cpuPercentBetween(previous: ProcStat, current: ProcStat): CpuPercent[] {
  const out: CpuPercent[] = [];
  for (const [cpu, now] of current.cpus) {
    const before = previous.cpus.get(cpu);
    if (!before) continue;
    const delta = (mode: CpuMode): number => Math.max(0, now[mode] - before[mode]);
    const elapsed = CPU_MODES.reduce((sum, mode) => sum + delta(mode), 0);
    if (elapsed <= 0) continue;
    const modes = {} as Record<CpuMode, number>;
    for (const mode of CPU_MODES) modes[mode] = round2((100 * delta(mode)) / elapsed);
    const idle = (delta('idle') + delta('iowait')) / elapsed;
    out.push({ cpu, modes, busy: round2(100 * (1 - idle)) });
  }
  return out;
}
