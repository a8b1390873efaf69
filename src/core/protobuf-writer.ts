import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from './protobuf-reader.js';

const textEncoder = new TextEncoder();

/**
 * The writing half of protobuf-reader.ts, for the few small messages Vantage sends (OTLP export
 * responses, google.rpc.Status) and for tests that hand-encode requests field by field, in any
 * order, malformed on purpose. Not for bulk data: it collects bytes in a plain array.
 */
export class ProtobufWriter {
  private readonly bytes: number[] = [];

  finish(): Uint8Array {
    return Uint8Array.from(this.bytes);
  }

  tag(field: number, wireType: number): this {
    return this.varint(field * 8 + wireType);
  }

  /** A varint of a non-negative integer up to 2^64 - 1, or a negative int64 as ten bytes. */
  varint(value: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(value));
    do {
      const low = Number(n & 0x7fn);
      n >>= 7n;
      this.bytes.push(n > 0n ? low | 0x80 : low);
    } while (n > 0n);
    return this;
  }

  /** A zigzag varint (sint32, sint64). */
  sint(value: number | bigint): this {
    const n = BigInt(value);
    return this.varint(n >= 0n ? n * 2n : -n * 2n - 1n);
  }

  double(value: number): this {
    const view = new DataView(new ArrayBuffer(8));
    view.setFloat64(0, value, true);
    for (let i = 0; i < 8; i++) this.bytes.push(view.getUint8(i));
    return this;
  }

  /** fixed64 and sfixed64 (two's complement). */
  fixed64(value: number | bigint): this {
    let n = BigInt.asUintN(64, BigInt(value));
    for (let i = 0; i < 8; i++) {
      this.bytes.push(Number(n & 0xffn));
      n >>= 8n;
    }
    return this;
  }

  raw(bytes: Uint8Array | readonly number[]): this {
    for (const b of bytes) this.bytes.push(b);
    return this;
  }

  /** A length-delimited field holding bytes. */
  bytesField(field: number, bytes: Uint8Array | readonly number[]): this {
    this.tag(field, WIRE_LENGTH_DELIMITED).varint(bytes.length);
    return this.raw(bytes);
  }

  stringField(field: number, text: string): this {
    return this.bytesField(field, textEncoder.encode(text));
  }

  varintField(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_VARINT).varint(value);
  }

  doubleField(field: number, value: number): this {
    return this.tag(field, WIRE_FIXED64).double(value);
  }

  fixed64Field(field: number, value: number | bigint): this {
    return this.tag(field, WIRE_FIXED64).fixed64(value);
  }

  /** An embedded message, written by `body` into a writer of its own. */
  messageField(field: number, body: (w: ProtobufWriter) => void): this {
    const inner = new ProtobufWriter();
    body(inner);
    return this.bytesField(field, inner.bytes);
  }
}
