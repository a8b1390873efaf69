import { ProtobufError, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '../../core/index.js';
import type { ProtobufReader } from '../../core/index.js';
import { attributeText } from './otlp-point-writer.js';

/*
 * The small field readers of the OTLP protobuf decoder: wire-type checks, counts, and attributes
 * (KeyValue and AnyValue of opentelemetry/proto/common/v1/common.proto) as tag text.
 */

/** Attribute values nest (arrays, key-value lists); a bound keeps a hostile body from the stack's end. */
const MAX_VALUE_DEPTH = 16;

/** A count: fixed64 today, a varint in OTLP before 0.9. */
export function count(r: ProtobufReader, tag: number): number {
  return (tag & 7) === WIRE_VARINT ? r.int64() : (r.expectWire(tag, WIRE_FIXED64), r.fixed64());
}

export function optionalDouble(r: ProtobufReader, tag: number): number {
  r.expectWire(tag, WIRE_FIXED64);
  return r.double();
}

/** KeyValue: key 1, value 2 (AnyValue), appended to `into` as text. */
export function keyValue(r: ProtobufReader, into: string[], depth: number): void {
  const [key, value] = keyAndValue(r, depth);
  into.push(key, attributeText(value));
}

export function keyAndValue(r: ProtobufReader, depth: number): [string, unknown] {
  let key = '';
  let value: unknown = '';
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      key = r.stringField(tag);
    } else if (field === 2) {
      value = anyValue(r.messageField(tag), depth + 1);
    } else r.skip(tag & 7);
  }
  return [key, value];
}

/**
 * AnyValue: string 1, bool 2, int 3, double 4, array 5, kvlist 6, bytes 7, as a JSON value:
 * integers beyond 2^53 as exact decimal text, bytes as base64, an empty AnyValue as ''.
 */
function anyValue(r: ProtobufReader, depth: number): unknown {
  if (depth > MAX_VALUE_DEPTH) {
    throw new ProtobufError(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`, r.at);
  }
  let value: unknown = '';
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      value = r.stringField(tag);
    } else if (field === 2) {
      r.expectWire(tag, WIRE_VARINT);
      value = r.uint32() !== 0;
    } else if (field === 3) {
      r.expectWire(tag, WIRE_VARINT);
      value = int64Value(r);
    } else if (field === 4) {
      value = optionalDouble(r, tag);
    } else if (field === 5 || field === 6) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      // ArrayValue and KeyValueList: values = 1.
      const list = r.message();
      const items: unknown[] = [];
      // No prototype: a key `__proto__` is then a key like any other.
      const object: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
      while (!list.done) {
        const t = list.tag();
        if (t >>> 3 !== 1) {
          list.skip(t & 7);
          continue;
        }
        if (field === 5) items.push(anyValue(list.messageField(t), depth + 1));
        else {
          const [k, v] = keyAndValue(list.message(), depth + 1);
          object[k] = v;
        }
      }
      value = field === 5 ? items : object;
    } else if (field === 7) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      value = Buffer.from(r.bytes()).toString('base64');
    } else r.skip(tag & 7);
  }
  return value;
}

/** An int64 varint: a number up to 2^53, exact decimal text beyond. */
function int64Value(r: ProtobufReader): number | string {
  const at = r.at;
  const v = r.int64();
  if (Number.isSafeInteger(v)) return v;
  let n = 0n;
  let shift = 0n;
  for (let i = at; i < r.at; i++) {
    n |= BigInt((r.buf[i] as number) & 0x7f) << shift;
    shift += 7n;
  }
  return BigInt.asIntN(64, n).toString();
}
