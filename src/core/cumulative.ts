import { newAggregate } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import { QuantileSketch } from './quantile-sketch.js';

/**
 * Cumulative series: running totals (OTLP cumulative monotonic sums, Prometheus counters) and
 * cumulative histograms. Vantage stores what happened in each minute, so a total becomes the
 * increase since the previous total. That needs the previous total, and samples of one series may
 * reach different collectors (a load balancer, a restarted collector), so the state lives where
 * a series is seen in order: the worker. The bus is keyed by series, a collector answers only once
 * its message is durable, and a sender sends a series' next batch only after that answer, so the
 * bus holds each series' totals in time order whatever collector took them.
 *
 * A collector folds the totals of one series-minute into a CumulativePartial: its first and last
 * readings and the increase between them (resets counted). The worker (CumulativeState in
 * src/worker) keeps each series' last reading and turns a partial into the minute's increase:
 * from its own last reading to the partial's first (the step across a flush, a minute boundary or
 * a collector), plus the partial's own. The rules, all here:
 * - A total lower than the one before it, or a later start time, is a reset: the counter started
 *   again from zero, so the increase is the new total.
 * - The first total of a series is a baseline, not an increase, unless the sender says when the
 *   series started (OTLP start time, remote_write 2.0 created timestamp) and that is within
 *   NEW_SERIES_WINDOW_MS of the total: then it all happened since, and counts.
 * - A reading not later than the last one seen (a late or repeated sample) adds nothing.
 */
export interface CumulativeReading {
  /** The running total: a counter's value, a histogram's count. */
  readonly total: number;
  /** A histogram's sum of observations (0 for counters). */
  readonly sum: number;
  /** A histogram's buckets as a sketch (null for counters). */
  readonly sketch: QuantileSketch | null;
}

export interface CumulativePartial {
  readonly service: string;
  readonly name: string;
  /** Canonical tag text. */
  readonly tags: string;
  /** Minute start, epoch ms. */
  readonly start: number;
  readonly histogram: boolean;
  points: number;
  readonly firstTimestamp: number;
  /** When the first reading's series started counting; NaN when unknown. */
  readonly firstStart: number;
  readonly first: CumulativeReading;
  lastTimestamp: number;
  lastStart: number;
  last: CumulativeReading;
  /** From first to last, resets counted. */
  increase: CumulativeReading;
}

/** Where a series stood after the last reading the worker applied. */
export interface CumulativePosition {
  readonly timestamp: number;
  readonly start: number;
  readonly reading: CumulativeReading;
}

/** How long before its first total a series may have started for that total to count as new. */
export const NEW_SERIES_WINDOW_MS = 60 * 60_000;

const ZERO_COUNTER: CumulativeReading = { total: 0, sum: 0, sketch: null };

export function newPartial(
  service: string,
  name: string,
  tags: string,
  minute: number,
  timestamp: number,
  start: number,
  reading: CumulativeReading,
): CumulativePartial {
  return {
    service,
    name,
    tags,
    start: minute,
    histogram: reading.sketch !== null,
    points: 1,
    firstTimestamp: timestamp,
    firstStart: start,
    first: reading,
    lastTimestamp: timestamp,
    lastStart: start,
    last: reading,
    increase: emptyLike(reading),
  };
}

/** Folds a later reading of the same series-minute into a partial; an earlier one adds nothing. */
export function addReading(
  p: CumulativePartial,
  timestamp: number,
  start: number,
  reading: CumulativeReading,
): void {
  p.points += 1;
  if (!(timestamp > p.lastTimestamp)) return;
  p.increase = plus(p.increase, step(p.lastStart, p.last, start, reading));
  p.last = reading;
  p.lastTimestamp = timestamp;
  p.lastStart = start;
}

/**
 * The partial's increase given where its series stood (undefined: never seen), and where it
 * stands after. A partial entirely not later than the position adds nothing.
 */
export function applyPartial(
  position: CumulativePosition | undefined,
  p: CumulativePartial,
): { increase: CumulativeReading; position: CumulativePosition } {
  const after: CumulativePosition = { timestamp: p.lastTimestamp, start: p.lastStart, reading: p.last };
  if (position === undefined) {
    const isNew =
      Number.isFinite(p.firstStart) &&
      p.firstStart <= p.firstTimestamp &&
      p.firstTimestamp - p.firstStart <= NEW_SERIES_WINDOW_MS;
    return { increase: isNew ? plus(p.first, p.increase) : p.increase, position: after };
  }
  if (p.firstTimestamp > position.timestamp) {
    const across = step(position.start, position.reading, p.firstStart, p.first);
    return { increase: plus(across, p.increase), position: after };
  }
  // Overlaps what was applied (should not happen: see above). Count only what is later.
  if (p.lastTimestamp > position.timestamp) {
    return { increase: step(position.start, position.reading, p.lastStart, p.last), position: after };
  }
  return { increase: emptyLike(p.first), position };
}

/**
 * The minute's stored aggregate for an increase: a counter whose sum is the increase (count: the
 * readings), or, for a histogram, a gauge of the observations in it. Undefined for a histogram
 * that saw no observation (an aggregate holds at least one).
 */
export function increaseAggregate(p: CumulativePartial, increase: CumulativeReading): Aggregate | undefined {
  if (!p.histogram) {
    const agg = newAggregate(p.service, p.name, 'counter', p.tags, p.start);
    agg.count = p.points;
    agg.sum = increase.total;
    agg.min = increase.total;
    agg.max = increase.total;
    agg.last = increase.total;
    agg.lastTimestamp = p.lastTimestamp;
    return agg;
  }
  const count = Math.round(increase.total);
  if (!(count > 0) || increase.sketch === null) return undefined;
  const agg = newAggregate(p.service, p.name, 'gauge', p.tags, p.start);
  agg.count = count;
  agg.sum = increase.sum;
  const sketch = increase.sketch;
  agg.min = sketch.quantile(0);
  agg.max = sketch.quantile(1);
  agg.last = increase.sum / count;
  agg.lastTimestamp = p.lastTimestamp;
  agg.sketch = sketch;
  return agg;
}

/** The increase from one reading to the next: their difference, or the next whole after a reset. */
function step(
  prevStart: number,
  prev: CumulativeReading,
  nextStart: number,
  next: CumulativeReading,
): CumulativeReading {
  const restarted = Number.isFinite(prevStart) && Number.isFinite(nextStart) && nextStart > prevStart;
  if (restarted || next.total < prev.total) return next;
  if (next.sketch === null || prev.sketch === null)
    return { total: next.total - prev.total, sum: 0, sketch: next.sketch };
  return {
    total: next.total - prev.total,
    sum: next.sum - prev.sum,
    sketch: sketchDifference(next.sketch, prev.sketch),
  };
}

function plus(a: CumulativeReading, b: CumulativeReading): CumulativeReading {
  if (a.sketch === null && b.sketch === null) return { total: a.total + b.total, sum: 0, sketch: null };
  const sketch = new QuantileSketch();
  if (a.sketch) sketch.merge(a.sketch);
  if (b.sketch) sketch.merge(b.sketch);
  return { total: a.total + b.total, sum: a.sum + b.sum, sketch };
}

function emptyLike(r: CumulativeReading): CumulativeReading {
  return r.sketch === null ? ZERO_COUNTER : { total: 0, sum: 0, sketch: new QuantileSketch() };
}

/**
 * Bucket by bucket, what `later` holds beyond `earlier`. A bucket that shrank (a histogram whose
 * layout changed between snapshots) contributes nothing rather than a negative weight.
 */
function sketchDifference(later: QuantileSketch, earlier: QuantileSketch): QuantileSketch {
  const a = later.buckets();
  const b = earlier.buckets();
  const minus = (
    x: readonly (readonly [number, number])[],
    y: readonly (readonly [number, number])[],
  ): [number, number][] => {
    const before = new Map(y);
    const out: [number, number][] = [];
    for (const [index, n] of x) {
      const d = n - (before.get(index) ?? 0);
      if (d > 1e-9) out.push([index, d]);
    }
    return out;
  };
  return QuantileSketch.fromBuckets({
    zero: Math.max(0, a.zero - b.zero),
    positive: minus(a.positive, b.positive),
    negative: minus(a.negative, b.negative),
  });
}

/** A key per cumulative series: service, name, counter or histogram, tags. */
export function cumulativeKey(p: Pick<CumulativePartial, 'service' | 'name' | 'tags' | 'histogram'>): string {
  return `${p.service}\u0000${p.name}\u0000${p.histogram ? 'h' : 'c'}\u0000${p.tags}`;
}

/** A position as bytes, for the stores: f64 timestamp, start, total, sum, then the sketch if any. */
export function encodePosition(p: CumulativePosition): Buffer {
  const sketch = p.reading.sketch?.encode();
  const buf = Buffer.allocUnsafe(32 + (sketch?.length ?? 0));
  buf.writeDoubleLE(p.timestamp, 0);
  buf.writeDoubleLE(p.start, 8);
  buf.writeDoubleLE(p.reading.total, 16);
  buf.writeDoubleLE(p.reading.sum, 24);
  sketch?.copy(buf, 32);
  return buf;
}

export function decodePosition(bytes: Uint8Array): CumulativePosition {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 32) throw new TypeError('truncated cumulative position');
  const sketch = buf.length > 32 ? QuantileSketch.decode(buf.subarray(32)) : null;
  return {
    timestamp: buf.readDoubleLE(0),
    start: buf.readDoubleLE(8),
    reading: { total: buf.readDoubleLE(16), sum: buf.readDoubleLE(24), sketch },
  };
}
