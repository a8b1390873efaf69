import { compressSync } from 'snappy';

/**
 * Prometheus remote_write messages encoded by hand from the field numbers of prompb/remote.proto,
 * prompb/types.proto (1.0) and prompb/io/prometheus/write/v2/types.proto (2.0), for the decoder's
 * tests and the benchmark's load generator. Independent of the decoder: it shares no code with it.
 */
export class ProtoWriter {
  private buf = new Uint8Array(256);
  private length = 0;

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }

  raw(bytes: ArrayLike<number>): this {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
    return this;
  }

  /** An unsigned varint (up to 2^53), or a negative int64 as ten bytes of two's complement. */
  varint(n: number): this {
    let v = BigInt.asUintN(64, BigInt(Math.trunc(n)));
    const out: number[] = [];
    do {
      const b = Number(v & 0x7fn);
      v >>= 7n;
      out.push(v > 0n ? b | 0x80 : b);
    } while (v > 0n);
    return this.raw(out);
  }

  tag(field: number, wire: number): this {
    return this.varint(field * 8 + wire);
  }

  double(field: number, v: number): this {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    return this.tag(field, 1).raw(b);
  }

  int64(field: number, v: number): this {
    return this.tag(field, 0).varint(v);
  }

  sint(field: number, v: number): this {
    return this.tag(field, 0).varint(v >= 0 ? v * 2 : -v * 2 - 1);
  }

  string(field: number, s: string): this {
    return this.bytesField(field, new TextEncoder().encode(s));
  }

  bytesField(field: number, b: Uint8Array): this {
    return this.tag(field, 2).varint(b.length).raw(b);
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytesField(field, inner.bytes());
  }

  packedVarints(field: number, values: readonly number[], zigzag = false): this {
    const inner = new ProtoWriter();
    for (const v of values) inner.varint(zigzag ? (v >= 0 ? v * 2 : -v * 2 - 1) : v);
    return this.bytesField(field, inner.bytes());
  }

  packedDoubles(field: number, values: readonly number[]): this {
    const b = new Uint8Array(values.length * 8);
    const view = new DataView(b.buffer);
    values.forEach((v, i) => view.setFloat64(i * 8, v, true));
    return this.bytesField(field, b);
  }

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    const grown = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
    grown.set(this.buf.subarray(0, this.length));
    this.buf = grown;
  }
}

export interface PromSample {
  readonly value: number;
  readonly timestamp: number;
}

export interface PromExemplar {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  readonly timestamp: number;
}

/** A native histogram as the wire carries it (integer counts as deltas, or float counts). */
export interface PromHistogram {
  readonly count: number;
  readonly sum: number;
  readonly schema: number;
  readonly zeroThreshold?: number;
  readonly zeroCount?: number;
  readonly positiveSpans?: readonly (readonly [offset: number, length: number])[];
  readonly positiveDeltas?: readonly number[];
  readonly positiveCounts?: readonly number[];
  readonly negativeSpans?: readonly (readonly [offset: number, length: number])[];
  readonly negativeDeltas?: readonly number[];
  readonly resetHint?: number;
  readonly timestamp: number;
  readonly customValues?: readonly number[];
}

export interface PromSeries {
  /** In wire order (Prometheus sorts them by name). */
  readonly labels: readonly (readonly [string, string])[];
  readonly samples?: readonly PromSample[];
  readonly exemplars?: readonly PromExemplar[];
  readonly histograms?: readonly PromHistogram[];
  /** 2.0 only: Metadata.type (1 counter, 2 gauge, 3 histogram, ...) and created_timestamp. */
  readonly type?: number;
  readonly created?: number;
}

export interface PromMetadata {
  readonly type: number;
  readonly family: string;
}

/** The bytes of a 1.0 prometheus.WriteRequest (uncompressed). */
export function encodeWriteRequestV1(
  series: readonly PromSeries[],
  metadata: readonly PromMetadata[] = [],
): Uint8Array {
  const w = new ProtoWriter();
  for (const s of series) {
    w.message(1, (ts) => {
      for (const [name, value] of s.labels) ts.message(1, (l) => l.string(1, name).string(2, value));
      for (const p of s.samples ?? []) ts.message(2, (m) => m.double(1, p.value).int64(2, p.timestamp));
      for (const e of s.exemplars ?? []) {
        ts.message(3, (m) => {
          for (const [name, value] of Object.entries(e.labels))
            m.message(1, (l) => l.string(1, name).string(2, value));
          m.double(2, e.value).int64(3, e.timestamp);
        });
      }
      for (const h of s.histograms ?? []) ts.message(4, (m) => writeHistogram(m, h));
    });
  }
  for (const m of metadata) w.message(3, (mm) => mm.int64(1, m.type).string(2, m.family));
  return w.bytes();
}

/** The bytes of a 2.0 io.prometheus.write.v2.Request (uncompressed), with its symbols table. */
export function encodeRequestV2(series: readonly PromSeries[]): Uint8Array {
  const symbols = [''];
  const index = new Map<string, number>([['', 0]]);
  const ref = (s: string): number => {
    let i = index.get(s);
    if (i === undefined) {
      i = symbols.length;
      symbols.push(s);
      index.set(s, i);
    }
    return i;
  };
  const body = new ProtoWriter();
  for (const s of series) {
    body.message(5, (ts) => {
      ts.packedVarints(
        1,
        s.labels.flatMap(([k, v]) => [ref(k), ref(v)]),
      );
      for (const p of s.samples ?? []) ts.message(2, (m) => m.double(1, p.value).int64(2, p.timestamp));
      for (const h of s.histograms ?? []) ts.message(3, (m) => writeHistogram(m, h));
      for (const e of s.exemplars ?? []) {
        ts.message(4, (m) => {
          m.packedVarints(
            1,
            Object.entries(e.labels).flatMap(([k, v]) => [ref(k), ref(v)]),
          );
          m.double(2, e.value).int64(3, e.timestamp);
        });
      }
      if (s.type !== undefined)
        ts.message(5, (m) =>
          m
            .int64(1, s.type as number)
            .int64(3, 0)
            .int64(4, 0),
        );
      if (s.created !== undefined) ts.int64(6, s.created);
    });
  }
  const w = new ProtoWriter();
  for (const s of symbols) w.string(4, s);
  return w.raw(body.bytes()).bytes();
}

function writeHistogram(m: ProtoWriter, h: PromHistogram): void {
  if (Number.isInteger(h.count) && h.positiveCounts === undefined) m.int64(1, h.count);
  else m.double(2, h.count);
  m.double(3, h.sum).sint(4, h.schema);
  if (h.zeroThreshold !== undefined) m.double(5, h.zeroThreshold);
  if (h.zeroCount !== undefined) m.int64(6, h.zeroCount);
  for (const [offset, length] of h.negativeSpans ?? [])
    m.message(8, (s) => s.sint(1, offset).int64(2, length));
  if (h.negativeDeltas) m.packedVarints(9, h.negativeDeltas, true);
  for (const [offset, length] of h.positiveSpans ?? [])
    m.message(11, (s) => s.sint(1, offset).int64(2, length));
  if (h.positiveDeltas) m.packedVarints(12, h.positiveDeltas, true);
  if (h.positiveCounts) m.packedDoubles(13, h.positiveCounts);
  if (h.resetHint !== undefined) m.int64(14, h.resetHint);
  m.int64(15, h.timestamp);
  if (h.customValues) m.packedDoubles(16, h.customValues);
}

/** Snappy's block format, as remote_write senders compress. */
export function snappy(bytes: Uint8Array): Buffer {
  return compressSync(bytes);
}

export const RW2_CONTENT_TYPE = 'application/x-protobuf;proto=io.prometheus.write.v2.Request';
