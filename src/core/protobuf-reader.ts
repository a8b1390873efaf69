/**
 * A reader of the protobuf wire format (varints, fixed 32/64-bit fields, length-delimited fields),
 * for the ingest decoders of OTLP and Prometheus remote_write.
 *
 * Ours rather than protobufjs or @bufbuild/protobuf because those build an object per message, so
 * per sample, and ingest speed is the product: the decoders walk the bytes once and hand numbers
 * straight to PointColumns. The wire format is small and stable (protobuf.dev, "Encoding").
 *
 * Every read is bounds-checked; a malformed message throws ProtobufError, which the routes answer
 * as a 400 that names the byte offset.
 */
export class ProtobufError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(`${message} at byte ${offset}`);
    this.name = 'ProtobufError';
  }
}

export const WIRE_VARINT = 0;
export const WIRE_FIXED64 = 1;
export const WIRE_LENGTH_DELIMITED = 2;
export const WIRE_FIXED32 = 5;

const TWO_32 = 4294967296;

export class ProtobufReader {
  /** The next byte to read. */
  at: number;
  private readonly view: DataView;

  constructor(
    readonly buf: Uint8Array,
    start = 0,
    /** Where this message ends (exclusive). */
    readonly end = buf.length,
    view?: DataView,
  ) {
    this.at = start;
    this.view = view ?? new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  /**
   * A reader of bytes `start` to `end` of the same buffer, sharing this one's DataView: decoders
   * make one per embedded message, so per point, and a DataView each was a tenth of OTLP's decode.
   */
  sub(start: number, end: number): ProtobufReader {
    return new ProtobufReader(this.buf, start, end, this.view);
  }

  get done(): boolean {
    return this.at >= this.end;
  }

  /** A field's tag: its number times 8 plus its wire type. Read `tag >>> 3` and `tag & 7`. */
  tag(): number {
    return this.uint32();
  }

  /**
   * Refuses a field sent with another wire type than its declared type's: malformed, not misread.
   * `tag` as `tag()` returned it.
   */
  expectWire(tag: number, wire: number): void {
    if ((tag & 7) !== wire) {
      throw new ProtobufError(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${wire}`, this.at);
    }
  }

  /** A varint that fits in 32 bits (tags, lengths, enums, int32/uint32). */
  uint32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.end) throw new ProtobufError('truncated varint', this.at);
      const b = this.buf[this.at++] as number;
      if (shift < 28) result |= (b & 0x7f) << shift;
      else if (shift < 35) result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new ProtobufError('varint longer than 10 bytes', this.at);
    }
    return result >>> 0;
  }

  /**
   * A varint as a double (uint64/int64 up to 2^53 exact; beyond, the nearest double). Negative
   * int64s arrive as ten-byte two's complement and come out negative.
   */
  int64(): number {
    let lo = 0;
    let hi = 0;
    let shift = 0;
    for (;;) {
      if (this.at >= this.end) throw new ProtobufError('truncated varint', this.at);
      const b = this.buf[this.at++] as number;
      if (shift < 28) lo |= (b & 0x7f) << shift;
      else if (shift === 28) {
        lo |= (b & 0x0f) << 28;
        hi |= (b & 0x7f) >>> 4;
      } else hi |= (b & 0x7f) << (shift - 32);
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 63) throw new ProtobufError('varint longer than 10 bytes', this.at);
    }
    return hi & 0x80000000 ? -((~hi >>> 0) * TWO_32 + (~lo >>> 0) + 1) : (hi >>> 0) * TWO_32 + (lo >>> 0);
  }

  /** A zigzag varint (sint64). */
  sint64(): number {
    const v = this.int64();
    // Zigzag on a double: even n → n/2, odd n → -(n+1)/2. Exact up to 2^53.
    const n = v < 0 ? v + 2 ** 64 : v;
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.at, true);
    this.at += 8;
    return v;
  }

  /** fixed64 as a double (exact below 2^53: nanosecond timestamps until the year 2255). */
  fixed64(): number {
    const lo = this.low32();
    return this.view.getUint32(this.at - 4, true) * TWO_32 + lo;
  }

  /**
   * fixed64 as exact decimal text: nanosecond timestamps that must survive to the store intact
   * (a double keeps them only to a quarter of a microsecond).
   */
  fixed64Decimal(): string {
    const lo = this.low32();
    const hi = this.view.getUint32(this.at - 4, true);
    // Below 2^53 a double is exact and far cheaper than a BigInt.
    if (hi < 0x200000) return String(hi * TWO_32 + lo);
    return ((BigInt(hi) << 32n) | BigInt(lo)).toString();
  }

  /** sfixed64 as a double. */
  sfixed64(): number {
    const lo = this.low32();
    return this.view.getInt32(this.at - 4, true) * TWO_32 + lo;
  }

  fixed32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }

  /** The bounds of a length-delimited field's content; the reader moves past it. */
  delimited(): { start: number; end: number } {
    const length = this.uint32();
    this.need(length);
    const start = this.at;
    this.at += length;
    return { start, end: this.at };
  }

  /** A reader of an embedded message (a length-delimited field). */
  message(): ProtobufReader {
    const { start, end } = this.delimited();
    return this.sub(start, end);
  }

  /** The embedded message of a field whose tag was just read; refuses another wire type. */
  messageField(tag: number): ProtobufReader {
    this.expectWire(tag, WIRE_LENGTH_DELIMITED);
    return this.message();
  }

  /** The string of a field whose tag was just read; refuses another wire type. */
  stringField(tag: number): string {
    this.expectWire(tag, WIRE_LENGTH_DELIMITED);
    return this.string();
  }

  string(): string {
    const { start, end } = this.delimited();
    // Attribute keys and values are mostly short ASCII: built a byte at a time they cost a fraction
    // of TextDecoder's call (a tenth of a span's decode went there); anything else goes to it.
    if (end - start <= SHORT_STRING) {
      let out = '';
      for (let i = start; i < end; i++) {
        const b = this.buf[i] as number;
        if (b >= 0x80) return textDecoder.decode(this.buf.subarray(start, end));
        out += String.fromCharCode(b);
      }
      return out;
    }
    return textDecoder.decode(this.buf.subarray(start, end));
  }

  bytes(): Uint8Array {
    const { start, end } = this.delimited();
    return this.buf.subarray(start, end);
  }

  /** Skips a field of the given wire type (fields a decoder does not need). */
  skip(wireType: number): void {
    switch (wireType) {
      case WIRE_VARINT:
        this.int64();
        return;
      case WIRE_FIXED64:
        this.need(8);
        this.at += 8;
        return;
      case WIRE_LENGTH_DELIMITED:
        this.delimited();
        return;
      case WIRE_FIXED32:
        this.need(4);
        this.at += 4;
        return;
      default:
        throw new ProtobufError(`unknown wire type ${wireType}`, this.at);
    }
  }

  /**
   * A packed repeated field of doubles or fixed64s read into `into` (also accepts one unpacked
   * element when `wireType` says so, as the spec requires of parsers).
   */
  packedDoubles(wireType: number, into: number[]): void {
    if (wireType === WIRE_FIXED64) {
      into.push(this.double());
      return;
    }
    const { start, end } = this.delimited();
    if ((end - start) % 8 !== 0) throw new ProtobufError('packed doubles not a multiple of 8 bytes', start);
    for (let at = start; at < end; at += 8) into.push(this.view.getFloat64(at, true));
  }

  /** A packed repeated varint field (uint64/int64/sint64 with `zigzag`), or one unpacked element. */
  packedVarints(wireType: number, into: number[], zigzag = false): void {
    if (wireType === WIRE_VARINT) {
      into.push(zigzag ? this.sint64() : this.int64());
      return;
    }
    const { start, end } = this.delimited();
    const inner = this.sub(start, end);
    while (!inner.done) into.push(zigzag ? inner.sint64() : inner.int64());
  }

  /** A packed repeated fixed64 field (uint64 counts of OTLP histograms), or one unpacked element. */
  packedFixed64(wireType: number, into: number[]): void {
    if (wireType === WIRE_FIXED64) {
      into.push(this.fixed64());
      return;
    }
    const { start, end } = this.delimited();
    if ((end - start) % 8 !== 0) throw new ProtobufError('packed fixed64 not a multiple of 8 bytes', start);
    for (let at = start; at < end; at += 8) {
      into.push(this.view.getUint32(at + 4, true) * TWO_32 + this.view.getUint32(at, true));
    }
  }

  /**
   * The 64-bit fields' one bounds check: returns the low half and moves past all eight bytes; the
   * caller reads the high half at `at - 4` as its type wants it (unsigned or signed), so that
   * nothing is allocated per field.
   */
  private low32(): number {
    this.need(8);
    const lo = this.view.getUint32(this.at, true);
    this.at += 8;
    return lo;
  }

  private need(n: number): void {
    if (this.at + n > this.end) throw new ProtobufError('truncated field', this.at);
  }
}

const textDecoder = new TextDecoder('utf-8', { fatal: false });
const SHORT_STRING = 48;
