/**
 * The durations of a search's traces in bins, for the Traces view's histogram. Durations spread
 * over orders of magnitude (a cache hit and a timeout), so past a ratio the bins are equal on a
 * log scale; else equal in ms.
 */
export interface DurationBin {
  /** ms, inclusive. */
  readonly from: number;
  /** ms; exclusive except for the last bin, which holds the maximum. */
  readonly to: number;
  readonly count: number;
}

export interface DurationHistogram {
  readonly bins: readonly DurationBin[];
  readonly log: boolean;
}

/** Past this ratio of the longest to the shortest, bins are equal on a log scale. */
const LOG_RATIO = 50;

export function durationHistogram(durations: readonly number[], binCount = 24): DurationHistogram {
  const finite = durations.filter((d) => Number.isFinite(d) && d >= 0);
  if (finite.length === 0) return { bins: [], log: false };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  if (min === max) return { bins: [{ from: min, to: max, count: finite.length }], log: false };
  const log = min > 0 && max / min > LOG_RATIO;
  // Not on a log scale when a trace took 0 ms: log(0) has no bin.
  const scale = log ? Math.log : (v: number): number => v;
  const unscale = log ? Math.exp : (v: number): number => v;
  const lo = scale(min);
  const width = (scale(max) - lo) / binCount;
  const counts = new Array<number>(binCount).fill(0);
  for (const d of finite) {
    // The epsilon keeps a duration on a bin's edge (1000 ms on a log scale) out of the bin below.
    const i = Math.min(binCount - 1, Math.floor((scale(d) - lo) / width + 1e-9));
    counts[Math.max(0, i)] = (counts[Math.max(0, i)] as number) + 1;
  }
  const bins = counts.map((count, i) => ({
    from: i === 0 ? min : unscale(lo + i * width),
    to: i === binCount - 1 ? max : unscale(lo + (i + 1) * width),
    count,
  }));
  return { bins, log };
}
