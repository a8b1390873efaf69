import type { Agg } from '../live/live-series';
import { formatBytes, formatNumber } from '../time/format';

/**
 * The unit of a chart's values, so an axis reads "200 ms" or "1.2/s" rather than a bare number:
 * taken from the metric's name, as Prometheus names carry it (`_ms`, `_seconds`, `_bytes`,
 * `_percent`), and the aggregation (a rate is per second; a count is a number of samples).
 * '' when the name says nothing.
 */
export function unitOf(metric: string, agg: Agg, counter: boolean): string {
  const base = baseUnit(metric);
  if (agg === 'count') return '';
  // A counter's rate is its increase per second; any other metric's is samples per second.
  if (agg === 'rate') return counter && base ? `${base}/s` : '/s';
  return base;
}

const SUFFIXES: readonly [RegExp, string][] = [
  [/_(ms|millis|milliseconds)$/, 'ms'],
  [/_(s|secs|seconds)$/, 's'],
  [/_bytes$/, 'bytes'],
  [/_(kb|kilobytes)$/, 'KB'],
  [/_(mb|megabytes)$/, 'MB'],
  [/_(gb|gigabytes)$/, 'GB'],
  [/_(percent|pct)$/, '%'],
];

function baseUnit(metric: string): string {
  const name = metric.toLowerCase().replace(/_total$/, '');
  return SUFFIXES.find(([re]) => re.test(name))?.[1] ?? '';
}

/** A value with its unit: `200 ms`, `1.5/s`, `12.3 %`, `1.20 MB` (bytes in powers of 1024). */
export function formatValue(value: number | null | undefined, unit: string): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  if (unit === 'bytes') return formatBytes(value);
  if (unit === 'bytes/s') return `${formatBytes(value)}/s`;
  if (unit === '' || unit.startsWith('/')) return `${formatNumber(value)}${unit}`;
  return `${formatNumber(value)} ${unit}`;
}
