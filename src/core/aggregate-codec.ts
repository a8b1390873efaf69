import { aggregateKey, mergeStats } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import { BatchReader } from './batch-reader.js';
import type { CumulativePartial, CumulativeReading } from './cumulative.js';
import { mergeSeriesExemplars } from './exemplar.js';
import type { SeriesExemplars } from './exemplar.js';
import { ExemplarSection, readExemplarSection, skipExemplarSection } from './exemplar-codec.js';
import { QuantileSketch } from './quantile-sketch.js';
import type { MetricType } from './sample.js';

/**
 * The message the collector publishes on the bus and the worker consumes: one flush of partial
 * minute aggregates.
 *
 * Binary, because encoding and decoding it is most of the per-sample cost between the two: JSON
 * took about 1 µs per aggregate each way (mostly formatting and parsing doubles), this takes a
 * fraction of that. `vantage inspect-bus` is the way to read one. Layout (little-endian):
 *
 *   "VAB" u8 version | f64 createdAt | f64 samples
 *   u32 string count | per string: u32 byte length, UTF-8 bytes      (services, names, tag texts)
 *   u32 aggregate count | per aggregate:
 *     u32 service | u32 name | u32 tags   (indexes into the strings)
 *     u8 type (0 gauge, 1 counter) | u8 sketch (0 none, 1 one value: the sum, 2 encoded)
 *     f64 start count sum min max last lastTimestamp
 *     [u32 length, sketch bytes]          (sketch kind 2 only)
 *   u32 cumulative count | per cumulative partial (src/core/cumulative.ts; version 3 on):
 *     u32 service | u32 name | u32 tags | u8 kind (0 counter, 1 histogram)
 *     f64 start points firstTimestamp firstStart lastTimestamp lastStart
 *     reading first, last, increase: f64 total sum | u32 sketch length (0: none), sketch bytes
 *   exemplar section (version 3 on; src/core/exemplar-codec.ts): a few per series-minute
 *
 * Version 2 messages (no cumulative or exemplar section) are still read: a log written before an
 * upgrade. (Version 3 was not released before its exemplar section was added to it.)
 */
export interface AggregateBatch {
  /** Samples the aggregates were built from (for conservation checks and metrics). */
  readonly samples: number;
  /** When the collector flushed, epoch ms; the worker's lag is measured from it. */
  readonly createdAt: number;
  readonly aggregates: readonly Aggregate[];
  /** Running totals of cumulative series, for the worker to turn into increases; in bus order. */
  readonly cumulatives?: readonly CumulativePartial[];
  /** A few exemplars per series-minute (src/core/exemplar.ts). */
  readonly exemplars?: readonly SeriesExemplars[];
}

const MAGIC = 'VAB';
const VERSION = 3;
const READABLE_VERSIONS: readonly number[] = [2, 3];
const HEADER = 3 + 1 + 8 + 8;
const FIXED = 4 * 3 + 1 + 1 + 8 * 7;
const TYPES: readonly MetricType[] = ['gauge', 'counter'];
const NO_SKETCH = 0;
const SINGLE_VALUE = 1;
const ENCODED = 2;

export function encodeAggregateBatch(batch: AggregateBatch): Buffer {
  const strings = new Map<string, number>();
  const intern = (s: string): number => {
    let i = strings.get(s);
    if (i === undefined) {
      i = strings.size;
      strings.set(s, i);
    }
    return i;
  };
  const refs = new Uint32Array(batch.aggregates.length * 3);
  const sketches: (Buffer | undefined)[] = new Array<Buffer | undefined>(batch.aggregates.length);
  let size = HEADER + 8;
  batch.aggregates.forEach((a, i) => {
    refs[i * 3] = intern(a.service);
    refs[i * 3 + 1] = intern(a.name);
    refs[i * 3 + 2] = intern(a.tags);
    size += FIXED;
    if (a.sketch !== null && a.count !== 1) {
      const encoded = a.sketch.encode();
      sketches[i] = encoded;
      size += 4 + encoded.length;
    }
  });
  const cumulatives = batch.cumulatives ?? [];
  const cumulativeRefs = new Uint32Array(cumulatives.length * 3);
  const readings: (Buffer | undefined)[] = [];
  size += 4;
  cumulatives.forEach((c, i) => {
    cumulativeRefs[i * 3] = intern(c.service);
    cumulativeRefs[i * 3 + 1] = intern(c.name);
    cumulativeRefs[i * 3 + 2] = intern(c.tags);
    size += 4 * 3 + 1 + 8 * 6;
    for (const r of [c.first, c.last, c.increase]) {
      const sketch = r.sketch?.encode();
      readings.push(sketch);
      size += 8 * 2 + 4 + (sketch?.length ?? 0);
    }
  });
  const exemplars = new ExemplarSection(batch.exemplars ?? [], intern);
  size += exemplars.size;
  for (const s of strings.keys()) size += 4 + Buffer.byteLength(s);

  const buf = Buffer.allocUnsafe(size);
  let at = buf.write(MAGIC, 0, 'latin1');
  at = buf.writeUInt8(VERSION, at);
  at = buf.writeDoubleLE(batch.createdAt, at);
  at = buf.writeDoubleLE(batch.samples, at);
  at = buf.writeUInt32LE(strings.size, at);
  for (const s of strings.keys()) {
    const n = buf.write(s, at + 4, 'utf8');
    buf.writeUInt32LE(n, at);
    at += 4 + n;
  }
  at = buf.writeUInt32LE(batch.aggregates.length, at);
  batch.aggregates.forEach((a, i) => {
    at = buf.writeUInt32LE(refs[i * 3] as number, at);
    at = buf.writeUInt32LE(refs[i * 3 + 1] as number, at);
    at = buf.writeUInt32LE(refs[i * 3 + 2] as number, at);
    at = buf.writeUInt8(a.type === 'counter' ? 1 : 0, at);
    const sketch = sketches[i];
    at = buf.writeUInt8(a.sketch === null ? NO_SKETCH : sketch === undefined ? SINGLE_VALUE : ENCODED, at);
    at = buf.writeDoubleLE(a.start, at);
    at = buf.writeDoubleLE(a.count, at);
    at = buf.writeDoubleLE(a.sum, at);
    at = buf.writeDoubleLE(a.min, at);
    at = buf.writeDoubleLE(a.max, at);
    at = buf.writeDoubleLE(a.last, at);
    at = buf.writeDoubleLE(a.lastTimestamp, at);
    if (sketch !== undefined) {
      at = buf.writeUInt32LE(sketch.length, at);
      at += sketch.copy(buf, at);
    }
  });
  at = buf.writeUInt32LE(cumulatives.length, at);
  cumulatives.forEach((c, i) => {
    at = buf.writeUInt32LE(cumulativeRefs[i * 3] as number, at);
    at = buf.writeUInt32LE(cumulativeRefs[i * 3 + 1] as number, at);
    at = buf.writeUInt32LE(cumulativeRefs[i * 3 + 2] as number, at);
    at = buf.writeUInt8(c.histogram ? 1 : 0, at);
    for (const v of [c.start, c.points, c.firstTimestamp, c.firstStart, c.lastTimestamp, c.lastStart])
      at = buf.writeDoubleLE(v, at);
    [c.first, c.last, c.increase].forEach((r, j) => {
      at = buf.writeDoubleLE(r.total, at);
      at = buf.writeDoubleLE(r.sum, at);
      const sketch = readings[i * 3 + j];
      at = buf.writeUInt32LE(sketch?.length ?? 0, at);
      if (sketch !== undefined) at += sketch.copy(buf, at);
    });
  });
  exemplars.write(buf, at);
  return buf;
}

/** Decodes a batch; throws TypeError on anything that is not a well-formed one. */
export function decodeAggregateBatch(payload: Uint8Array): AggregateBatch {
  const aggregates: Aggregate[] = [];
  const cumulatives: CumulativePartial[] = [];
  const exemplars: SeriesExemplars[] = [];
  const header = readBatch(
    payload,
    (w) => aggregates.push(toAggregate(w)),
    (c) => cumulatives.push(c),
    (g) => exemplars.push(g),
  );
  return { ...header, aggregates, cumulatives, exemplars };
}

/** One aggregate without its quantile sketch: what live views show. */
export type AggregateStats = Omit<Aggregate, 'sketch'>;

/**
 * Decodes a batch without building its sketches (the query API's live stream sends count, sum,
 * min, max and last only; a sketch costs more to rebuild than all the rest of an aggregate).
 * Cumulative partials are left out: they become increases only in the worker, against its state.
 */
export function decodeAggregateStats(
  payload: Uint8Array,
): Omit<AggregateBatch, 'aggregates'> & { readonly aggregates: readonly AggregateStats[] } {
  const aggregates: AggregateStats[] = [];
  const header = readBatch(payload, (w) => {
    const { service, name, type, tags, start, count, sum, min, max, last, lastTimestamp } = w;
    aggregates.push({ service, name, type, tags, start, count, sum, min, max, last, lastTimestamp });
  });
  return { ...header, aggregates };
}

/**
 * Decodes a batch straight into `into` (keyed by aggregateKey): aggregates already there are
 * merged in place, without building a sketch for each. The worker folds thousands of messages this
 * way; most of their aggregates meet an earlier one of the same series and minute. Cumulative
 * partials are appended to `cumulatives` in message order (they do not merge: their order matters).
 * Exemplars merge into `exemplars` (keyed by exemplarKey), a few per series-minute.
 */
export function foldAggregateBatch(
  payload: Uint8Array,
  into: Map<string, Aggregate>,
  cumulatives?: CumulativePartial[],
  exemplars?: Map<string, SeriesExemplars>,
): Omit<AggregateBatch, 'aggregates'> {
  const visitCumulative =
    cumulatives === undefined ? undefined : (c: CumulativePartial) => cumulatives.push(c);
  const visitExemplars =
    exemplars === undefined ? undefined : (g: SeriesExemplars) => void mergeSeriesExemplars(exemplars, g);
  return readBatch(
    payload,
    (w) => {
      const key = aggregateKey(w);
      const existing = into.get(key);
      if (existing === undefined) {
        into.set(key, toAggregate(w));
        return;
      }
      mergeStats(existing, w);
      const sketch = existing.sketch;
      if (sketch !== null) {
        if (w.sketchKind === SINGLE_VALUE) sketch.add(w.sum);
        else if (w.sketchBytes !== undefined) mergeSketchBytes(sketch, w.sketchBytes);
      }
    },
    visitCumulative,
    visitExemplars,
  );
}

/**
 * The earliest minute a batch holds, read without decoding it (strings and sketches are skipped):
 * what the query cache needs to know of each message to drop answers it makes stale (the rule is
 * src/api/cache-freshness.ts). Undefined for an empty batch; throws TypeError like the decoders on a
 * malformed one.
 */
export function earliestStart(payload: Uint8Array): number | undefined {
  const r = openBatch(payload);
  r.at = HEADER;
  for (let i = r.u32(); i > 0; i--) r.bytes(r.u32());
  let earliest: number | undefined;
  for (let i = r.u32(); i > 0; i--) {
    r.bytes(4 * 3 + 1);
    const sketchKind = r.u8();
    const start = r.f64();
    if (earliest === undefined || start < earliest) earliest = start;
    r.bytes(8 * 6);
    if (sketchKind === ENCODED) r.bytes(r.u32());
  }
  if (r.version >= 3) {
    for (let i = r.u32(); i > 0; i--) {
      r.bytes(4 * 3 + 1);
      const start = r.f64();
      if (earliest === undefined || start < earliest) earliest = start;
      r.bytes(8 * 5);
      for (let j = 0; j < 3; j++) {
        r.bytes(8 * 2);
        r.bytes(r.u32());
      }
    }
    // Exemplars change no stored aggregate, so no cached answer: stepped over.
    skipExemplarSection(r);
  }
  return earliest;
}

/** A reader of a batch whose magic and version were checked, placed after the version byte. */
function openBatch(payload: Uint8Array): BatchReader {
  const buf = Buffer.isBuffer(payload)
    ? payload
    : Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (buf.length < HEADER || buf.toString('latin1', 0, 3) !== MAGIC)
    throw new TypeError('not an aggregate batch');
  const r = new BatchReader(buf);
  r.at = 3;
  r.version = r.u8();
  if (!READABLE_VERSIONS.includes(r.version)) throw new TypeError('unknown aggregate batch version');
  return r;
}

/** One aggregate as read off the wire, its sketch still encoded. */
interface WireAggregate extends Omit<Aggregate, 'sketch'> {
  readonly sketchKind: number;
  readonly sketchBytes: Buffer | undefined;
}

function readBatch(
  payload: Uint8Array,
  visit: (w: WireAggregate) => void,
  visitCumulative?: (c: CumulativePartial) => void,
  visitExemplars?: (g: SeriesExemplars) => void,
): Omit<AggregateBatch, 'aggregates'> {
  const r = openBatch(payload);
  const createdAt = r.f64();
  const samples = r.f64();
  const strings: string[] = new Array<string>(r.u32());
  for (let i = 0; i < strings.length; i++) strings[i] = r.string();
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const service = r.ref(strings);
    const name = r.ref(strings);
    const tags = r.ref(strings);
    const type = TYPES[r.u8()];
    const sketchKind = r.u8();
    if (type === undefined || sketchKind > ENCODED || (type === 'counter') !== (sketchKind === NO_SKETCH)) {
      throw new TypeError('malformed aggregate in batch');
    }
    const start = r.f64();
    const n = r.f64();
    const sum = r.f64();
    const min = r.f64();
    const max = r.f64();
    const last = r.f64();
    const lastTimestamp = r.f64();
    const sketchBytes = sketchKind === ENCODED ? r.bytes(r.u32()) : undefined;
    visit({
      service,
      name,
      tags,
      type,
      start,
      count: n,
      sum,
      min,
      max,
      last,
      lastTimestamp,
      sketchKind,
      sketchBytes,
    });
  }
  if (r.version >= 3) {
    for (let i = r.u32(); i > 0; i--) {
      const c = readCumulative(r, strings);
      visitCumulative?.(c);
    }
    readExemplarSection(r, strings, visitExemplars);
  }
  if (!r.atEnd()) throw new TypeError('trailing bytes after the aggregate batch');
  return { samples, createdAt };
}

function readCumulative(r: BatchReader, strings: readonly string[]): CumulativePartial {
  const service = r.ref(strings);
  const name = r.ref(strings);
  const tags = r.ref(strings);
  const kind = r.u8();
  if (kind > 1) throw new TypeError('malformed cumulative partial in batch');
  const start = r.f64();
  const points = r.f64();
  const firstTimestamp = r.f64();
  const firstStart = r.f64();
  const lastTimestamp = r.f64();
  const lastStart = r.f64();
  const reading = (): CumulativeReading => {
    const total = r.f64();
    const sum = r.f64();
    const length = r.u32();
    if (length > 0 !== (kind === 1)) throw new TypeError('malformed cumulative partial in batch');
    if (length === 0) return { total, sum, sketch: null };
    const sketch = new QuantileSketch();
    mergeSketchBytes(sketch, r.bytes(length));
    return { total, sum, sketch };
  };
  const first = reading();
  const last = reading();
  const increase = reading();
  return {
    service,
    name,
    tags,
    start,
    histogram: kind === 1,
    points,
    firstTimestamp,
    firstStart,
    first,
    lastTimestamp,
    lastStart,
    last,
    increase,
  };
}

function toAggregate(w: WireAggregate): Aggregate {
  let sketch: QuantileSketch | null = null;
  if (w.sketchKind !== NO_SKETCH) {
    sketch = new QuantileSketch();
    if (w.sketchKind === SINGLE_VALUE) sketch.add(w.sum);
    else if (w.sketchBytes !== undefined) mergeSketchBytes(sketch, w.sketchBytes);
  }
  const { service, name, type, tags, start, count, sum, min, max, last, lastTimestamp } = w;
  return { service, name, type, tags, start, count, sum, min, max, last, lastTimestamp, sketch };
}

function mergeSketchBytes(sketch: QuantileSketch, bytes: Buffer): void {
  try {
    sketch.mergeEncoded(bytes);
  } catch (err) {
    throw new TypeError('malformed sketch in batch', { cause: err });
  }
}
