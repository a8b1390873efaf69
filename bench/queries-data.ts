import { addSample, canonicalTags, newAggregate } from '../src/core/index.js';
import type { Aggregate } from '../src/core/index.js';

/**
 * The data set of the side-by-side query benchmark (issue 13): one gauge, `series` series, one
 * sample per series-minute over `minutes` minutes ending at `end`. Every system gets exactly these
 * samples: Vantage as minute aggregates of one sample each, VictoriaMetrics and Prometheus as text.
 */
export const QB_SERVICE = 'qbench';
export const QB_METRIC = 'latency_ms';
export const REGIONS = 4;
const MINUTE = 60_000;

export interface QueryData {
  readonly series: number;
  readonly minutes: number;
  /** Exclusive end, a whole 5 minutes in the past: every 5-minute step is complete everywhere. */
  readonly end: number;
}

export const dataStart = (d: QueryData): number => d.end - d.minutes * MINUTE;

/** Each series' tags: `region` is the 4-valued tag the questions group and filter by. */
export function seriesTags(s: number): Record<string, string> {
  return {
    host: `host-${s}`,
    region: `r${s % REGIONS}`,
    zone: `z${s % 8}`,
    env: s % 10 === 0 ? 'staging' : 'prod',
  };
}

/**
 * A latency that differs by host (a distinct base per host, so the top 10 is the same everywhere),
 * drifts over the day and has a rare tail. The sample of minute m lies at m + 30 s: inside the
 * minute for Vantage, inside (t - 5m, t] for the PromQL range functions.
 */
export function sampleValue(series: number, minute: number): number {
  const noise = ((series * 7_919 + minute * 104_729) % 1_000) / 1_000;
  const base = 20 + (series % 50) + series / 1_000;
  return base + 10 * Math.sin(minute / 30) + (noise > 0.98 ? 200 * noise : 5 * noise);
}

export const sampleTime = (d: QueryData, m: number): number => dataStart(d) + m * MINUTE + 30_000;

/** Minute aggregates, `chunkMinutes` minutes of every series at a time, as the worker would write them. */
export function* aggregateChunks(d: QueryData, chunkMinutes: number): Generator<Aggregate[]> {
  const tags = Array.from({ length: d.series }, (_, s) => canonicalTags(seriesTags(s)));
  for (let m0 = 0; m0 < d.minutes; m0 += chunkMinutes) {
    const batch: Aggregate[] = [];
    for (let m = m0; m < Math.min(d.minutes, m0 + chunkMinutes); m++) {
      const minute = dataStart(d) + m * MINUTE;
      for (let s = 0; s < d.series; s++) {
        const agg = newAggregate(QB_SERVICE, QB_METRIC, 'gauge', tags[s] as string, minute);
        addSample(agg, sampleValue(s, m), minute + 30_000);
        batch.push(agg);
      }
    }
    yield batch;
  }
}

function labelText(s: number): string {
  return Object.entries(seriesTags(s))
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
}

/**
 * Samples as Prometheus text lines with timestamps, minutes [m0, m1) of every series, minute after
 * minute (so each series is in time order): `ms` timestamps for VictoriaMetrics' import,
 * seconds for OpenMetrics (promtool).
 */
export function textLines(d: QueryData, m0: number, m1: number, unit: 'ms' | 's'): string {
  const labels = Array.from({ length: d.series }, (_, s) => `${QB_METRIC}{${labelText(s)}} `);
  const parts: string[] = [];
  for (let m = m0; m < Math.min(m1, d.minutes); m++) {
    const t = sampleTime(d, m);
    const ts = unit === 'ms' ? String(t) : String(t / 1000);
    for (let s = 0; s < d.series; s++) parts.push(`${labels[s] as string}${sampleValue(s, m)} ${ts}\n`);
  }
  return parts.join('');
}
