import { QuantileSketch } from './quantile-sketch.js';
import type { MetricType } from './sample.js';

/**
 * The partial aggregate of one series over one time bucket: a minute as the collector builds it,
 * an hour or a day in the rollups. Any two partials of the same series and bucket merge exactly
 * (see mergeAggregate), whatever order they arrive in.
 */
export interface Aggregate {
  readonly service: string;
  readonly name: string;
  readonly type: MetricType;
  /** Canonical tag text (canonicalTags). */
  readonly tags: string;
  /** Bucket start, epoch ms. */
  readonly start: number;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** The value of the latest sample; ties on time go to the larger value so merges commute. */
  last: number;
  lastTimestamp: number;
  /** Quantile sketch of gauge values; counters (deltas) carry none. */
  sketch: QuantileSketch | null;
}

export function newAggregate(
  service: string,
  name: string,
  type: MetricType,
  tags: string,
  start: number,
): Aggregate {
  return {
    service,
    name,
    type,
    tags,
    start,
    count: 0,
    sum: 0,
    min: Number.POSITIVE_INFINITY,
    max: Number.NEGATIVE_INFINITY,
    last: 0,
    lastTimestamp: Number.NEGATIVE_INFINITY,
    sketch: type === 'gauge' ? new QuantileSketch() : null,
  };
}

/**
 * "The last value by time wins", the one rule every `last` follows (samples, merges, the stores'
 * own merges, the outbox): the value at the later time replaces the current one, and on a tie of
 * times the larger value wins, so that merges commute. SQLite's `last_by_time` calls it; the two
 * statements that run inside the databases say the same in SQL, where a call back into JS per row
 * would cost ingest: SqliteStore's upsert and ClickHouse's max((last_ts, value_last)).
 */
export function laterWins(time: number, value: number, currentTime: number, currentValue: number): boolean {
  return time > currentTime || (time === currentTime && value > currentValue);
}

export function addSample(agg: Aggregate, value: number, timestamp: number): void {
  agg.count += 1;
  agg.sum += value;
  if (value < agg.min) agg.min = value;
  if (value > agg.max) agg.max = value;
  if (laterWins(timestamp, value, agg.lastTimestamp, agg.last)) {
    agg.last = value;
    agg.lastTimestamp = timestamp;
  }
  agg.sketch?.add(value);
}

/** Folds `from` into `into`. Both must describe the same series and bucket. */
export function mergeAggregate(into: Aggregate, from: Aggregate): void {
  mergeStats(into, from);
  if (from.sketch) {
    if (into.sketch) into.sketch.merge(from.sketch);
    else {
      into.sketch = new QuantileSketch();
      into.sketch.merge(from.sketch);
    }
  }
}

/** The part of mergeAggregate that is not the sketch. */
export function mergeStats(into: Aggregate, from: Omit<Aggregate, 'sketch'>): void {
  into.count += from.count;
  into.sum += from.sum;
  if (from.min < into.min) into.min = from.min;
  if (from.max > into.max) into.max = from.max;
  if (laterWins(from.lastTimestamp, from.last, into.lastTimestamp, into.last)) {
    into.last = from.last;
    into.lastTimestamp = from.lastTimestamp;
  }
}

/** The same aggregate moved to a coarser bucket, for rollups. Shares nothing with the input. */
export function rebucket(agg: Aggregate, start: number): Aggregate {
  const out = newAggregate(agg.service, agg.name, agg.type, agg.tags, start);
  mergeAggregate(out, agg);
  return out;
}

export function aggregateKey(agg: Pick<Aggregate, 'service' | 'name' | 'type' | 'tags' | 'start'>): string {
  return `${agg.service}\u0000${agg.name}\u0000${agg.type}\u0000${agg.tags}\u0000${agg.start}`;
}

/** Bucket starts and sample times a store can hold: 1970 to 2200 (ClickHouse's DateTime64 ends in 2299). */
const LATEST_TIME_MS = Date.UTC(2200, 0, 1);

/**
 * Why an aggregate can never be stored, or undefined when it can. The collector only builds
 * aggregates that pass (bounded values keep every sum finite: METRIC_LIMITS.valueMaxMagnitude),
 * so this catches what older or foreign writers put on the bus, and bugs: a store sets such an
 * aggregate aside as a dead letter rather than retry a write that can never succeed.
 */
export function aggregateProblem(agg: Aggregate): string | undefined {
  if (!(Number.isSafeInteger(agg.count) && agg.count > 0))
    return `count is ${agg.count}, not a whole number of samples above 0`;
  for (const field of ['sum', 'min', 'max', 'last'] as const) {
    if (!Number.isFinite(agg[field])) return `${field} is ${agg[field]}, not a finite number`;
  }
  for (const field of ['start', 'lastTimestamp'] as const) {
    const t = agg[field];
    if (!Number.isInteger(t) || t < 0 || t > LATEST_TIME_MS)
      return `${field} is ${t}, not a time between 1970 and 2200 in epoch milliseconds`;
  }
  return undefined;
}
