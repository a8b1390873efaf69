import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '../../core/index.js';
import type { HistogramPoint, ProtobufReader } from '../../core/index.js';

/** Histogram.ResetHint: GAUGE marks a gauge histogram (its counts go up and down). */
export const RESET_HINT_GAUGE = 3;

/** Native histograms' schema for custom (explicit) bounds, from classic histograms (Prometheus 3). */
const CUSTOM_BUCKETS_SCHEMA = -53;

/**
 * The most buckets one histogram may span once its spans are laid out densely (gaps included):
 * a sender's span offsets are not to make us allocate without bound. Prometheus' own limit on
 * native histograms (native_histogram_bucket_limit) is usually 160; schema 8 over the whole
 * double range would need 2^19, which no real histogram uses.
 */
export const MAX_DENSE_BUCKETS = 4096;

export interface NativeHistogram {
  readonly timestamp: number;
  readonly resetHint: number;
  /** The histogram, or why it cannot be read (a rejection's message). */
  readonly point: HistogramPoint | string;
}

const V = WIRE_VARINT;
const D = WIRE_FIXED64;
/** The wire type of each scalar field, by field number. */
const SCALAR_WIRE: readonly (number | undefined)[] = [
  undefined,
  V,
  D,
  D,
  V,
  D,
  V,
  D,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  undefined,
  V,
  V,
];

interface Spans {
  offsets: number[];
  lengths: number[];
}

/**
 * Reads one native histogram (remote_write 1.0's prometheus.Histogram and 2.0's
 * io.prometheus.write.v2.Histogram share field numbers; 2.0 adds custom_values) into our
 * HistogramPoint. Integer histograms carry bucket counts as deltas from the previous bucket, float
 * ones as absolute counts. Prometheus' bucket i holds (base^(i-1), base^i], OTLP's (and ours)
 * (base^i, base^(i+1)]: the offset shifts by one.
 */
export function readNativeHistogram(r: ProtobufReader): NativeHistogram {
  let count = 0;
  let sum = 0;
  let schema = 0;
  let zeroThreshold = 0;
  let zeroCount = 0;
  let resetHint = 0;
  let timestamp = 0;
  const negativeSpans: Spans = { offsets: [], lengths: [] };
  const positiveSpans: Spans = { offsets: [], lengths: [] };
  const negativeDeltas: number[] = [];
  const negativeCounts: number[] = [];
  const positiveDeltas: number[] = [];
  const positiveCounts: number[] = [];
  const customValues: number[] = [];
  while (!r.done) {
    const tag = r.tag();
    const wire = tag & 7;
    const field = tag >>> 3;
    // Fields 9, 10, 12, 13 and 16 are packed repeated: the reader takes either wire form.
    if (field <= 7 || field === 14 || field === 15) {
      r.expectWire(tag, SCALAR_WIRE[field] as number);
    } else if (field === 8 || field === 11) r.expectWire(tag, WIRE_LENGTH_DELIMITED);
    switch (field) {
      case 1:
        count = r.int64();
        break;
      case 2:
        count = r.double();
        break;
      case 3:
        sum = r.double();
        break;
      case 4:
        schema = r.sint64();
        break;
      case 5:
        zeroThreshold = r.double();
        break;
      case 6:
        zeroCount = r.int64();
        break;
      case 7:
        zeroCount = r.double();
        break;
      case 8:
        readSpan(r.message(), negativeSpans);
        break;
      case 9:
        r.packedVarints(wire, negativeDeltas, true);
        break;
      case 10:
        r.packedDoubles(wire, negativeCounts);
        break;
      case 11:
        readSpan(r.message(), positiveSpans);
        break;
      case 12:
        r.packedVarints(wire, positiveDeltas, true);
        break;
      case 13:
        r.packedDoubles(wire, positiveCounts);
        break;
      case 14:
        resetHint = r.uint32();
        break;
      case 15:
        timestamp = r.int64();
        break;
      case 16:
        r.packedDoubles(wire, customValues);
        break;
      default:
        r.skip(wire);
    }
  }
  const positive = bucketCounts(positiveDeltas, positiveCounts);
  const negative = bucketCounts(negativeDeltas, negativeCounts);
  const pos = layOut(positiveSpans, positive);
  const neg = layOut(negativeSpans, negative);
  let point: HistogramPoint | string;
  if (typeof pos === 'string') point = `positive buckets: ${pos}`;
  else if (typeof neg === 'string') point = `negative buckets: ${neg}`;
  else if (schema === CUSTOM_BUCKETS_SCHEMA) point = customBuckets(count, sum, customValues, pos);
  else if (schema < -4 || schema > 8) point = `schema ${schema} is not one of -4..8 or -53`;
  else {
    point = {
      layout: 'exponential',
      count,
      sum,
      min: Number.NaN,
      max: Number.NaN,
      scale: schema,
      zeroCount,
      zeroThreshold,
      positiveOffset: pos.first - 1,
      positive: pos.counts,
      negativeOffset: neg.first - 1,
      negative: neg.counts,
    };
  }
  return { timestamp, resetHint, point };
}

function readSpan(r: ProtobufReader, into: Spans): void {
  let offset = 0;
  let length = 0;
  while (!r.done) {
    const tag = r.tag();
    if (tag === (1 << 3) + WIRE_VARINT) offset = r.sint64();
    else if (tag === (2 << 3) + WIRE_VARINT) length = r.uint32();
    else r.skip(tag & 7);
  }
  into.offsets.push(offset);
  into.lengths.push(length);
}

/** Absolute counts: float histograms send them, integer ones send each bucket's delta to the last. */
function bucketCounts(deltas: readonly number[], counts: readonly number[]): readonly number[] {
  if (deltas.length === 0) return counts;
  const out: number[] = new Array<number>(deltas.length);
  let running = 0;
  for (let i = 0; i < deltas.length; i++) {
    running += deltas[i] as number;
    out[i] = running;
  }
  return out;
}

/** Spans and their counts as one dense run from Prometheus index `first`, gaps as zeros. */
function layOut(spans: Spans, counts: readonly number[]): { first: number; counts: number[] } | string {
  const total = spans.lengths.reduce((a, b) => a + b, 0);
  if (total !== counts.length)
    return `the spans cover ${total} buckets but ${counts.length} counts were sent`;
  if (total === 0) return { first: 0, counts: [] };
  const first = spans.offsets[0] as number;
  let end = first;
  for (let s = 0; s < spans.offsets.length; s++) {
    const gap = s === 0 ? 0 : (spans.offsets[s] as number);
    if (gap < 0) return 'a span after the first has a negative offset';
    end += gap + (spans.lengths[s] as number);
  }
  const width = end - first;
  if (width > MAX_DENSE_BUCKETS)
    return `the spans stretch over ${width} buckets, more than ${MAX_DENSE_BUCKETS}`;
  const dense = new Array<number>(width).fill(0);
  let at = 0;
  let k = 0;
  for (let s = 0; s < spans.offsets.length; s++) {
    if (s > 0) at += spans.offsets[s] as number;
    for (let j = 0; j < (spans.lengths[s] as number); j++) dense[at++] = counts[k++] as number;
  }
  return { first, counts: dense };
}

/** Schema -53: the positive spans index the custom bounds (the index one past them is +Inf). */
function customBuckets(
  count: number,
  sum: number,
  bounds: readonly number[],
  pos: { first: number; counts: number[] },
): HistogramPoint | string {
  if (pos.first < 0 || pos.first + pos.counts.length > bounds.length + 1) {
    return `custom buckets reach past the ${bounds.length} custom bounds`;
  }
  const counts = new Array<number>(bounds.length + 1).fill(0);
  for (let i = 0; i < pos.counts.length; i++) counts[pos.first + i] = pos.counts[i] as number;
  return { layout: 'explicit', count, sum, min: Number.NaN, max: Number.NaN, bounds, counts };
}
