import type { Point } from '../api/types';

/** One line of a time-series chart. */
export interface ChartSeries {
  readonly label: string;
  readonly points: readonly Point[];
}

/**
 * Lays several series out on one shared, sorted time axis, as uPlot draws them: `[times,
 * values of series 1, ...]`, with null where a series has no point at a time (drawn as a gap).
 * Series of one query share their steps, so the common case is a single pass per series.
 */
export function alignSeries(series: readonly ChartSeries[]): [number[], ...(number | null)[][]] {
  if (series.length === 1) {
    const only = series[0] as ChartSeries;
    const sorted = isSorted(only.points) ? only.points : [...only.points].sort((a, b) => a[0] - b[0]);
    return [sorted.map((p) => p[0]), sorted.map((p) => p[1])];
  }
  const times = new Set<number>();
  for (const s of series) for (const p of s.points) times.add(p[0]);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const ys = series.map((s) => {
    const column: (number | null)[] = new Array<number | null>(xs.length).fill(null);
    for (const [t, v] of s.points) column[index.get(t) as number] = v;
    return column;
  });
  return [xs, ...ys];
}

function isSorted(points: readonly Point[]): boolean {
  for (let i = 1; i < points.length; i++)
    if ((points[i] as Point)[0] < (points[i - 1] as Point)[0]) return false;
  return true;
}

/** What a chart holds, per series, in a form a test or a screen reader can check. */
export interface SeriesSummary {
  label: string;
  points: number;
  first: Point | null;
  last: Point | null;
  min: number | null;
  max: number | null;
}

export function summarize(series: readonly ChartSeries[]): SeriesSummary[] {
  return series.map((s) => {
    let min = Infinity;
    let max = -Infinity;
    let first: Point | null = null;
    let last: Point | null = null;
    for (const p of s.points) {
      if (first === null || p[0] < first[0]) first = p;
      if (last === null || p[0] >= last[0]) last = p;
      if (p[1] < min) min = p[1];
      if (p[1] > max) max = p[1];
    }
    return {
      label: s.label,
      points: s.points.length,
      first,
      last,
      min: s.points.length ? min : null,
      max: s.points.length ? max : null,
    };
  });
}

/** Distinct line colours that read on both the light and the dark background. */
export const PALETTE = [
  '#2f6fed',
  '#e8590c',
  '#2b9a66',
  '#c2255c',
  '#7048e8',
  '#c99400',
  '#0c8599',
  '#868e96',
] as const;

export function colorOf(index: number): string {
  return PALETTE[index % PALETTE.length] as string;
}
