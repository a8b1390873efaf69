import type { ChartSeries } from '../charts/series';

/**
 * Which steps of a chart are over. A step `[t, t + step)` is over once `t + step` is at or before
 * the end of the range asked for (for a range ending now, the time the server answered). The step
 * still in progress holds only part of its data: a rate, a sum or a count over it reads low, and
 * drawn as a finished value it looks like a sudden drop. So a chart that is not live ends at the
 * last step that is over, as the overview's sparklines end at the last whole minute; a live chart
 * shows the step in progress, drawn apart (see charts/in-progress.ts).
 */

/** The start of the step in progress at `end` (epoch ms): every step before it is over. */
export function inProgressFrom(end: number, stepMs: number): number {
  return Math.floor(end / stepMs) * stepMs;
}

/** The lines without their points from `from` on, and whether any such point was left out. */
export function stepsOver(
  series: readonly ChartSeries[],
  from: number,
): { series: readonly ChartSeries[]; leftOut: boolean } {
  let leftOut = false;
  const over = series.map((s) => {
    const kept = s.points.filter((p) => p[0] < from);
    if (kept.length === s.points.length) return s;
    leftOut = true;
    return { ...s, points: kept };
  });
  return { series: leftOut ? over : series, leftOut };
}

/**
 * The x extent of a chart of `[from, to)` with steps of `stepMs`: up to the last step that is
 * over, or, live, up to the step in progress (points stand at the start of their step).
 */
export function chartExtent(
  query: { from: number; to: number; step: number },
  live: boolean,
): [number, number] {
  const current = inProgressFrom(query.to, query.step);
  return [query.from, live ? current : Math.max(query.from, current - query.step)];
}
