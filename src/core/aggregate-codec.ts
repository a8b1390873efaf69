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
  number, // sum
  number, // min
  number, // max
  number, // last
  number, // lastTimestamp
  string | null, // sketch, base64
];

export function encodeAggregateBatch(batch: AggregateBatch): Buffer {
  const wire: WireAggregate[] = batch.aggregates.map((a) => [
    a.service,
    a.name,
    a.type,
    a.tags,
    a.start,
    a.count,
    a.sum,
    a.min,
    a.max,
    a.last,
    a.lastTimestamp,
    a.sketch ? a.sketch.encode().toString('base64') : null,
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
    if (!Array.isArray(w) || w.length !== 12 || !METRIC_TYPES.includes(w[2])) {
      throw new TypeError('malformed aggregate in batch');
    }
    return {
      service: w[0],
      name: w[1],
      type: w[2],
      tags: w[3],
      start: w[4],
      count: w[5],
      sum: w[6],
      min: w[7],
      max: w[8],
      last: w[9],
      lastTimestamp: w[10],
      sketch: w[11] === null ? null : QuantileSketch.decode(Buffer.from(w[11], 'base64')),
    };
  });
  return { samples: parsed.samples, createdAt: parsed.createdAt, aggregates };
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
