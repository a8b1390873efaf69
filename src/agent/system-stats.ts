import { fields, wholeNumber } from './proc-text.js';

export interface LoadAverage {
  readonly load1: number;
  readonly load5: number;
  readonly load15: number;
  /** Runnable scheduling entities (threads) right now. */
  readonly runnable: number | undefined;
  /** Threads in the system. */
  readonly threads: number | undefined;
}

/** /proc/loadavg: `0.52 0.61 0.58 3/1021 48213`. */
export function parseLoadavg(text: string): LoadAverage | undefined {
  const [one, five, fifteen, entities] = fields(text);
  const loads = [one, five, fifteen].map((f) => (f === undefined ? NaN : Number(f)));
  if (!loads.every(Number.isFinite)) return undefined;
  const [runnable, threads] = (entities ?? '').split('/');
  return {
    load1: loads[0] as number,
    load5: loads[1] as number,
    load15: loads[2] as number,
    runnable: wholeNumber(runnable),
    threads: wholeNumber(threads),
  };
}

/** /proc/uptime: seconds since boot (the first number). */
export function parseUptime(text: string): number | undefined {
  const first = fields(text)[0];
  const seconds = first === undefined ? NaN : Number(first);
  return Number.isFinite(seconds) ? seconds : undefined;
}

/** /proc/meminfo as bytes by key (`MemTotal`, `SwapFree`, ...); counts without a unit (HugePages_*) as is. */
export function parseMeminfo(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_()]+):\s+(\d+)(?:\s+(kB))?\s*$/.exec(line);
    if (!m) continue;
    const value = Number(m[2]);
    out.set(m[1] as string, m[3] === 'kB' ? value * 1024 : value);
  }
  return out;
}

export interface MemoryUsage {
  readonly totalBytes: number;
  readonly availableBytes: number;
  readonly usedBytes: number;
  readonly freeBytes: number | undefined;
  readonly buffersBytes: number | undefined;
  readonly cachedBytes: number | undefined;
  readonly swap: { totalBytes: number; freeBytes: number; usedBytes: number } | undefined;
}

/**
 * Used memory is total minus available, as `free` and the kernel mean it: page cache that can be
 * dropped is not counted as used. Kernels before 3.14 lack MemAvailable; free + buffers + cached
 * stands in for it there.
 */
export function memoryUsage(meminfo: ReadonlyMap<string, number>): MemoryUsage | undefined {
  const total = meminfo.get('MemTotal');
  if (total === undefined) return undefined;
  const free = meminfo.get('MemFree');
  const buffers = meminfo.get('Buffers');
  const cached = meminfo.get('Cached');
  const available = meminfo.get('MemAvailable') ?? (free ?? 0) + (buffers ?? 0) + (cached ?? 0);
  const swapTotal = meminfo.get('SwapTotal');
  const swapFree = meminfo.get('SwapFree');
  return {
    totalBytes: total,
    availableBytes: available,
    usedBytes: Math.max(0, total - available),
    freeBytes: free,
    buffersBytes: buffers,
    cachedBytes: cached,
    swap:
      swapTotal === undefined || swapFree === undefined
        ? undefined
        : { totalBytes: swapTotal, freeBytes: swapFree, usedBytes: Math.max(0, swapTotal - swapFree) },
  };
}
