import { createHash } from 'node:crypto';
import { QuantileSketch } from '../../core/index.js';
import type { Aggregate } from '../../core/index.js';
import type { Checkpoint } from '../store.js';

/** Sketch buckets as ClickHouse maps (index -> count), which sumMap merges exactly. */
export interface SketchColumns {
  sketch_zero: number;
  sketch_pos: Record<string, number>;
  sketch_neg: Record<string, number>;
}

/** A row of the minute table in JSONEachRow form. */
export interface MetricRow extends SketchColumns {
  service_name: string;
  metric_name: string;
  type: string;
  series_id: string;
  /** Bucket start in Unix seconds (a DateTime column). */
  timestamp: number;
  tags: Record<string, string>;
  samples: number;
  value_sum: number;
  value_min: number;
  value_max: number;
  value_last: number;
  /** 'YYYY-MM-DD hh:mm:ss.sss' UTC: a bare number would be read as seconds. */
  last_ts: string;
  /** The insert's deduplication token, where the store records it (BATCH_TOKEN_COLUMN). */
  batch_token?: string;
}

export function sketchToColumns(sketch: QuantileSketch | null): SketchColumns {
  if (sketch === null) return { sketch_zero: 0, sketch_pos: {}, sketch_neg: {} };
  const { zero, positive, negative } = sketch.buckets();
  return {
    sketch_zero: zero,
    sketch_pos: Object.fromEntries(positive.map(([i, n]) => [String(i), n])),
    sketch_neg: Object.fromEntries(negative.map(([i, n]) => [String(i), n])),
  };
}

/**
 * The sketch of merged bucket maps, or undefined when they hold nothing (counters, or no sketch
 * asked for), as SqliteStore answers.
 */
export function sketchFromColumns(
  zero: number,
  pos: Readonly<Record<string, number>>,
  neg: Readonly<Record<string, number>>,
): QuantileSketch | undefined {
  const side = (m: Readonly<Record<string, number>>): [number, number][] =>
    Object.entries(m)
      .map(([k, v]) => [Number(k), v] as [number, number])
      .filter(([, v]) => v > 0);
  const positive = side(pos);
  const negative = side(neg);
  if (!(zero > 0) && positive.length === 0 && negative.length === 0) return undefined;
  return QuantileSketch.fromBuckets({ zero: zero > 0 ? zero : 0, positive, negative });
}

/** ClickHouse's DateTime64(3) text for epoch milliseconds, in UTC. */
export function dateTime64Text(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Series identity within a metric: 64 bits of SHA-256 over type and canonical tag text. */
export function seriesId(type: string, tagsText: string): string {
  return createHash('sha256')
    .update(type)
    .update('\u0000')
    .update(tagsText)
    .digest()
    .readBigUInt64BE(0)
    .toString();
}

/** What a series needs per row, computed once per series and cached by the store. */
export interface SeriesInfo {
  readonly id: string;
  readonly tags: Record<string, string>;
}

export function seriesInfo(a: Pick<Aggregate, 'type' | 'tags'>): SeriesInfo {
  return { id: seriesId(a.type, a.tags), tags: JSON.parse(a.tags) as Record<string, string> };
}

export function toMetricRow(a: Aggregate, series: SeriesInfo, batchToken?: string): MetricRow {
  const row: MetricRow = {
    service_name: a.service,
    metric_name: a.name,
    type: a.type,
    series_id: series.id,
    timestamp: Math.floor(a.start / 1000),
    tags: series.tags,
    samples: a.count,
    value_sum: a.sum,
    value_min: a.min,
    value_max: a.max,
    value_last: a.last,
    last_ts: dateTime64Text(a.lastTimestamp),
    ...sketchToColumns(a.sketch),
  };
  if (batchToken !== undefined) row.batch_token = batchToken;
  return row;
}

/**
 * The insert_deduplication_token of a write: a function of the bus positions it covers only, so a
 * batch the worker writes again (a retry after a lost answer, or a replay after a crash between
 * the data and the checkpoint insert) gets the same token and ClickHouse drops the repeat. No
 * checkpoints, no token: such writes are not replays of anything and must all be stored.
 */
export function dedupToken(checkpoints: readonly Checkpoint[]): string | undefined {
  if (checkpoints.length === 0) return undefined;
  const parts = checkpoints
    .map((c) => `${JSON.stringify(c.source)}:${c.partition}:${c.offset}`)
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `vantage-v1-${createHash('sha256').update(parts.join('\n')).digest('hex')}`;
}
