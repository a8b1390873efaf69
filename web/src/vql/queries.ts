import type { TimeRange } from '../time/range';

/** VQL text built by the dashboard (links from a chart to Explore, the example list). */

export function quote(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A tag as a VQL column: `tags.route`, or `tags['http.route']` when the key is not a plain name. */
export function tagColumn(key: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(key) ? `tags.${key}` : `tags[${quote(key)}]`;
}

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** The length of a relative range such as `-6h` or `now-30m`, in ms; undefined for other forms. */
export function relativeSpanMs(from: string): number | undefined {
  const m = /^(?:now)?-(\d+)([mhdw])$/.exec(from);
  return m ? Number(m[1]) * (UNIT_MS[m[2] as string] as number) : undefined;
}

/** A bucket of about 60-300 per range, in whole minutes as time_bucket wants. */
export function bucketFor(spanMs: number): string {
  if (spanMs <= 3 * 3_600_000) return '1m';
  if (spanMs <= 24 * 3_600_000) return '5m';
  if (spanMs <= 7 * 86_400_000) return '1h';
  return '1d';
}

export function timeCondition(range: TimeRange): { where: string; bucket: string } {
  const span = relativeSpanMs(range.from);
  if (span !== undefined && range.to === 'now') {
    const m = /(\d+[mhdw])$/.exec(range.from) as RegExpExecArray;
    return { where: `timestamp > now() - ${m[1]}`, bucket: bucketFor(span) };
  }
  const from = Date.parse(range.from);
  const to = range.to === 'now' ? Date.now() : Date.parse(range.to);
  const bucket = Number.isFinite(from) && Number.isFinite(to) ? bucketFor(to - from) : '5m';
  const upper = range.to === 'now' ? 'now()' : quote(range.to);
  return { where: `timestamp BETWEEN ${quote(range.from)} AND ${upper}`, bucket };
}

/** The VQL that draws what a service chart draws. */
export function metricVql(
  service: string,
  metric: string,
  agg: string,
  groupBy: string,
  range: TimeRange,
): string {
  const { where, bucket } = timeCondition(range);
  const tag = groupBy ? tagColumn(groupBy) : undefined;
  const keys = ['time_bucket(' + bucket + ') AS t', ...(tag ? [tag] : [])];
  return (
    `SELECT ${keys.join(', ')}, ${agg}(value) FROM metrics\n` +
    `WHERE service_name = ${quote(service)} AND metric_name = ${quote(metric)} AND ${where}\n` +
    `GROUP BY t${tag ? `, ${tag}` : ''}\nORDER BY t`
  );
}
