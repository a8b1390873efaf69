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

// QuantileSketch encoding, version 2: u8 version, f64 zero count, u32 nPos, u32 nNeg, then
// (i32 index, f64 count) pairs, positive buckets first (src/core/quantile-sketch.ts).
const SKETCH_VERSION = 2;
const HEADER = 17;
const PAIR = 12;

export function sketchToColumns(sketch: QuantileSketch | null): SketchColumns {
  const out: SketchColumns = { sketch_zero: 0, sketch_pos: {}, sketch_neg: {} };
  if (sketch === null) return out;
  const buf = sketch.encode();
  if (buf.readUInt8(0) !== SKETCH_VERSION) throw new RangeError('unexpected quantile sketch encoding');
  out.sketch_zero = buf.readDoubleLE(1);
  const nPos = buf.readUInt32LE(9);
  const nNeg = buf.readUInt32LE(13);
  for (let i = 0, at = HEADER; i < nPos + nNeg; i++, at += PAIR) {
    (i < nPos ? out.sketch_pos : out.sketch_neg)[String(buf.readInt32LE(at))] = buf.readDoubleLE(at + 4);
  }
  return out;
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
      .filter(([, v]) => v > 0)
      .sort((a, b) => a[0] - b[0]);
  const p = side(pos);
  const n = side(neg);
  if (!(zero > 0) && p.length === 0 && n.length === 0) return undefined;
  const buf = Buffer.alloc(HEADER + (p.length + n.length) * PAIR);
  buf.writeUInt8(SKETCH_VERSION, 0);
  buf.writeDoubleLE(zero > 0 ? zero : 0, 1);
  buf.writeUInt32LE(p.length, 9);
  buf.writeUInt32LE(n.length, 13);
  let at = HEADER;
  for (const [index, count] of [...p, ...n]) {
    buf.writeInt32LE(index, at);
    buf.writeDoubleLE(count, at + 4);
    at += PAIR;
  }
  return QuantileSketch.decode(buf);
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
