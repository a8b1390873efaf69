/**
 * A mergeable quantile sketch with a relative-error guarantee, in the manner of DDSketch
 * (Masson, Rim, Lee, VLDB 2019): values fall into logarithmic buckets, bucket i holding
 * (gamma^(i-1), gamma^i], gamma = (1 + alpha) / (1 - alpha). Every quantile it returns is within
 * `alpha` relative error of the exact sample at that rank, and two sketches merge by adding bucket
 * counts, which is exact and order-independent: partial aggregates of one series-minute from any
 * number of requests, flushes or collectors merge to the same sketch.
 *
 * Ours rather than @datadog/sketches-js because the sketch is the storage format of every stored
 * aggregate: we need a compact, stable binary encoding that SQLite and ClickHouse rows hold, and a
 * sparse layout that costs nothing for the many aggregates that hold a single sample.
 */

export const SKETCH_RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + SKETCH_RELATIVE_ACCURACY) / (1 - SKETCH_RELATIVE_ACCURACY);
const LN_GAMMA = Math.log(GAMMA);
/** Magnitudes below this count as zero. */
const MIN_INDEXABLE = 1e-9;
/** Version 2 holds int32 bucket indexes (values up to Number.MAX_VALUE); version 1 held int16. */
const ENCODING_VERSION = 2;
const HEADER_BYTES = 1 + 8 + 4 + 4;
const BUCKET_BYTES: Readonly<Record<number, number>> = { 1: 2 + 8, 2: 4 + 8 };

/** A sketch's buckets: see QuantileSketch.buckets(). */
export interface SketchBuckets {
  readonly zero: number;
  readonly positive: readonly (readonly [number, number])[];
  readonly negative: readonly (readonly [number, number])[];
}

export class QuantileSketch {
  // Created on first use: most aggregates hold one value, often positive.
  private positive: Map<number, number> | undefined;
  private negative: Map<number, number> | undefined;
  private zeroCount = 0;
  private total = 0;

  get count(): number {
    return this.total;
  }

  add(value: number, weight = 1): void {
    const magnitude = Math.abs(value);
    if (magnitude < MIN_INDEXABLE) {
      this.zeroCount += weight;
    } else {
      const index = Math.ceil(Math.log(magnitude) / LN_GAMMA);
      const store = value > 0 ? (this.positive ??= new Map()) : (this.negative ??= new Map());
      store.set(index, (store.get(index) ?? 0) + weight);
    }
    this.total += weight;
  }

  merge(other: QuantileSketch): void {
    if (other.positive) {
      const into = (this.positive ??= new Map());
      for (const [index, n] of other.positive) into.set(index, (into.get(index) ?? 0) + n);
    }
    if (other.negative) {
      const into = (this.negative ??= new Map());
      for (const [index, n] of other.negative) into.set(index, (into.get(index) ?? 0) + n);
    }
    this.zeroCount += other.zeroCount;
    this.total += other.total;
  }

  /** The value at rank q * (count - 1); NaN for an empty sketch. */
  quantile(q: number): number {
    if (this.total === 0) return Number.NaN;
    const rank = Math.min(Math.max(q, 0), 1) * (this.total - 1);
    let seen = 0;
    const negative = this.negative ?? new Map<number, number>();
    const positive = this.positive ?? new Map<number, number>();
    // Negative values, most negative (largest magnitude index) first.
    for (const index of [...negative.keys()].sort((a, b) => b - a)) {
      seen += negative.get(index) ?? 0;
      if (seen > rank) return -bucketValue(index);
    }
    seen += this.zeroCount;
    if (seen > rank) return 0;
    for (const index of [...positive.keys()].sort((a, b) => a - b)) {
      seen += positive.get(index) ?? 0;
      if (seen > rank) return bucketValue(index);
    }
    // Only reachable through floating-point weights; the top bucket holds the maximum.
    const top = Math.max(...positive.keys());
    return Number.isFinite(top) ? bucketValue(top) : 0;
  }

  /**
   * The buckets, for a store that keeps them in a form of its own (ClickHouse's maps): the count of
   * values counted as zero, and bucket index to count per sign. Sorted by index.
   */
  buckets(): SketchBuckets {
    const sorted = (m: Map<number, number> | undefined): [number, number][] =>
      m === undefined ? [] : [...m].sort((a, b) => a[0] - b[0]);
    return { zero: this.zeroCount, positive: sorted(this.positive), negative: sorted(this.negative) };
  }

  /** The sketch of the given buckets (buckets()'s inverse); buckets with no count are left out. */
  static fromBuckets(buckets: SketchBuckets): QuantileSketch {
    const sketch = new QuantileSketch();
    if (buckets.zero > 0) sketch.add(0, buckets.zero);
    for (const [entries, sign] of [
      [buckets.positive, 1],
      [buckets.negative, -1],
    ] as const) {
      for (const [index, count] of entries) {
        if (!(count > 0)) continue;
        const store = sign > 0 ? (sketch.positive ??= new Map()) : (sketch.negative ??= new Map());
        store.set(index, (store.get(index) ?? 0) + count);
        sketch.total += count;
      }
    }
    return sketch;
  }

  /** Binary form: version, zero count, then sorted (int32 index, float64 count) pairs per sign. */
  encode(): Buffer {
    const positive = this.positive ?? new Map<number, number>();
    const negative = this.negative ?? new Map<number, number>();
    const pos = [...positive.keys()].sort((a, b) => a - b);
    const neg = [...negative.keys()].sort((a, b) => a - b);
    const bucketBytes = BUCKET_BYTES[ENCODING_VERSION] as number;
    const buf = Buffer.allocUnsafe(HEADER_BYTES + (pos.length + neg.length) * bucketBytes);
    buf.writeUInt8(ENCODING_VERSION, 0);
    buf.writeDoubleLE(this.zeroCount, 1);
    buf.writeUInt32LE(pos.length, 9);
    buf.writeUInt32LE(neg.length, 13);
    let at = HEADER_BYTES;
    for (const [keys, store] of [
      [pos, positive],
      [neg, negative],
    ] as const) {
      for (const index of keys) {
        buf.writeInt32LE(index, at);
        buf.writeDoubleLE(store.get(index) ?? 0, at + 4);
        at += bucketBytes;
      }
    }
    return buf;
  }

  /**
   * Adds an encoded sketch into this one without building it first: the query path merges
   * thousands of stored sketches per answer.
   */
  mergeEncoded(buf: Uint8Array): void {
    const view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const version = view.length >= HEADER_BYTES ? view.readUInt8(0) : 0;
    const bucketBytes = BUCKET_BYTES[version];
    if (bucketBytes === undefined) throw new RangeError('not a quantile sketch (unknown encoding version)');
    const indexBytes = bucketBytes - 8;
    const nPos = view.readUInt32LE(9);
    const nNeg = view.readUInt32LE(13);
    if (view.length !== HEADER_BYTES + (nPos + nNeg) * bucketBytes) {
      throw new RangeError('quantile sketch length does not match its header');
    }
    const zeros = view.readDoubleLE(1);
    this.zeroCount += zeros;
    this.total += zeros;
    let at = HEADER_BYTES;
    for (let i = 0; i < nPos + nNeg; i++) {
      const index = indexBytes === 4 ? view.readInt32LE(at) : view.readInt16LE(at);
      const count = view.readDoubleLE(at + indexBytes);
      if (!(count > 0)) throw new RangeError('quantile sketch with a bad bucket count');
      const store = i < nPos ? (this.positive ??= new Map()) : (this.negative ??= new Map());
      store.set(index, (store.get(index) ?? 0) + count);
      this.total += count;
      at += bucketBytes;
    }
  }

  static decode(buf: Uint8Array): QuantileSketch {
    const view = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    const version = view.length >= HEADER_BYTES ? view.readUInt8(0) : 0;
    const bucketBytes = BUCKET_BYTES[version];
    if (bucketBytes === undefined) throw new RangeError('not a quantile sketch (unknown encoding version)');
    const indexBytes = bucketBytes - 8;
    const sketch = new QuantileSketch();
    sketch.zeroCount = view.readDoubleLE(1);
    sketch.total = sketch.zeroCount;
    const nPos = view.readUInt32LE(9);
    const nNeg = view.readUInt32LE(13);
    if (view.length !== HEADER_BYTES + (nPos + nNeg) * bucketBytes) {
      throw new RangeError('quantile sketch length does not match its header');
    }
    let at = HEADER_BYTES;
    for (const [n, sign] of [
      [nPos, 1],
      [nNeg, -1],
    ] as const) {
      if (n === 0) continue;
      const store = sign > 0 ? (sketch.positive = new Map()) : (sketch.negative = new Map());
      for (let i = 0; i < n; i++) {
        const count = view.readDoubleLE(at + indexBytes);
        const index = indexBytes === 4 ? view.readInt32LE(at) : view.readInt16LE(at);
        if (!(count > 0) || store.has(index))
          throw new RangeError('quantile sketch with a bad or repeated bucket');
        store.set(index, count);
        sketch.total += count;
        at += bucketBytes;
      }
    }
    return sketch;
  }
}

/** The value a bucket stands for: the point whose relative distance to both edges is alpha. */
function bucketValue(index: number): number {
  return (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
}
