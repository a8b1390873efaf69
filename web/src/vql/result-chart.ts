import type { Point, VqlResponse } from '../api/types';
import type { ChartSeries } from '../charts/series';

const YEAR_2000 = 946_684_800_000;
const YEAR_2100 = 4_102_444_800_000;

/**
 * The column of a VQL answer that holds time buckets: the query grouped by time_bucket (the
 * answer has a step) and the column holds epoch milliseconds. -1 when there is none.
 */
export function timeColumn(result: VqlResponse): number {
  if (result.stats.step === null || result.rows.length === 0) return -1;
  const isTime = (i: number): boolean =>
    result.rows.every(
      (r) => typeof r[i] === 'number' && (r[i] as number) >= YEAR_2000 && (r[i] as number) < YEAR_2100,
    );
  const named = result.columns.findIndex((c) => /^time_bucket\(/i.test(c));
  if (named !== -1 && isTime(named)) return named;
  return result.columns.findIndex((_c, i) => isTime(i));
}

/**
 * A VQL answer as chart lines: one line per combination of its text columns (service, tags) and
 * numeric column (each aggregate), over the time column. Undefined when it has no time column.
 */
export function resultSeries(result: VqlResponse): ChartSeries[] | undefined {
  const time = timeColumn(result);
  if (time === -1) return undefined;
  const numeric: number[] = [];
  const keys: number[] = [];
  result.columns.forEach((_c, i) => {
    if (i === time) return;
    if (result.rows.every((r) => r[i] === null || typeof r[i] === 'number')) numeric.push(i);
    else keys.push(i);
  });
  const lines = new Map<string, Point[]>();
  for (const row of result.rows) {
    const group = keys.map((k) => String(row[k] ?? '')).join(' · ');
    for (const n of numeric) {
      const v = row[n];
      if (typeof v !== 'number') continue;
      const label = [group, numeric.length > 1 || !group ? result.columns[n] : ''].filter(Boolean).join(' ');
      let points = lines.get(label);
      if (!points) lines.set(label, (points = []));
      points.push([row[time] as number, v]);
    }
  }
  return [...lines].map(([label, points]) => ({ label, points: points.sort((a, b) => a[0] - b[0]) }));
}
