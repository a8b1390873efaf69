import type { Aggregate } from './aggregate.js';
import { QuantileSketch } from './quantile-sketch.js';
import { METRIC_TYPES } from './sample.js';
import type { MetricType } from './sample.js';

/**
 * The message the collector publishes on the bus and the worker consumes: one flush of partial
 * minute aggregates. JSON so that it stays readable with Kafka's console tools; each aggregate
 * is a positional array to keep messages small, its sketch in base64.
 */
export interface AggregateBatch {
  /** Samples the aggregates were built from (for conservation checks and metrics). */
  readonly samples: number;
  /** When the collector flushed, epoch ms; the worker's lag is measured from it. */
  readonly createdAt: number;
  readonly aggregates: readonly Aggregate[];
}

const FORMAT_VERSION = 1;

type WireAggregate = [
  string, // service
  string, // name
  MetricType,
  string, // canonical tags
  number, // start
  number, // count
  number | string, // sum; a sum that overflowed is sent as "Infinity" or "-Infinity" (JSON has no infinities)
  number, // min
  number, // max
  number, // last
  number, // lastTimestamp
  string | 0 | null, // sketch: base64; 0 for a gauge of one sample (the sketch of its value); null for counters
];

export function encodeAggregateBatch(batch: AggregateBatch): Buffer {
  const wire: WireAggregate[] = batch.aggregates.map((a) => [
    a.service,
    a.name,
    a.type,
    a.tags,
    a.start,
    a.count,
    Number.isFinite(a.sum) ? a.sum : String(a.sum),
    a.min,
    a.max,
    a.last,
    a.lastTimestamp,
    a.sketch === null ? null : a.count === 1 ? 0 : a.sketch.encode().toString('base64'),
  ]);
  return Buffer.from(
    JSON.stringify({ v: FORMAT_VERSION, samples: batch.samples, createdAt: batch.createdAt, a: wire }),
  );
}

export function decodeAggregateBatch(payload: Uint8Array): AggregateBatch {
  const parsed: unknown = JSON.parse(
    Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString(),
  );
  if (!isWireBatch(parsed)) throw new TypeError('not a version-1 aggregate batch');
  const aggregates = parsed.a.map((w): Aggregate => {
    if (!isWireAggregate(w)) throw new TypeError('malformed aggregate in batch');
    const sum = typeof w[6] === 'string' ? Number(w[6]) : w[6];
    return {
      service: w[0],
      name: w[1],
      type: w[2],
      tags: w[3],
      start: w[4],
      count: w[5],
      sum,
      min: w[7],
      max: w[8],
      last: w[9],
      lastTimestamp: w[10],
      sketch:
        w[11] === null
          ? null
          : w[11] === 0
            ? singleValueSketch(sum)
            : QuantileSketch.decode(Buffer.from(w[11], 'base64')),
    };
  });
  return { samples: parsed.samples, createdAt: parsed.createdAt, aggregates };
}

function isWireAggregate(w: unknown): w is WireAggregate {
  if (!Array.isArray(w) || w.length !== 12) return false;
  const [service, name, type, tags, ...rest] = w as unknown[];
  const [start, count, sum, min, max, last, lastTimestamp, sketch] = rest;
  return (
    typeof service === 'string' &&
    typeof name === 'string' &&
    METRIC_TYPES.includes(type as MetricType) &&
    typeof tags === 'string' &&
    [start, count, min, max, last, lastTimestamp].every((n) => typeof n === 'number') &&
    (typeof sum === 'number' || sum === 'Infinity' || sum === '-Infinity') &&
    (sketch === null || sketch === 0 || typeof sketch === 'string')
  );
}

function singleValueSketch(value: number): QuantileSketch {
  const sketch = new QuantileSketch();
  sketch.add(value);
  return sketch;
}

function isWireBatch(x: unknown): x is { v: number; samples: number; createdAt: number; a: WireAggregate[] } {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Record<string, unknown>;
  return (
    o.v === FORMAT_VERSION &&
    typeof o.samples === 'number' &&
    typeof o.createdAt === 'number' &&
    Array.isArray(o.a)
  );
}
