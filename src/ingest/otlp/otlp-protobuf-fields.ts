import { ProtobufError, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '../../core/index.js';
import type { ProtobufReader } from '../../core/index.js';
import { attributeText } from './otlp-point-writer.js';

/*
 * The small field readers of the OTLP protobuf decoder: wire-type checks, counts, and attributes
 * (KeyValue and AnyValue of opentelemetry/proto/common/v1/common.proto) as tag text.
 */

/** Attribute values nest (arrays, key-value lists); a bound keeps a hostile body from the stack's end. */
const MAX_VALUE_DEPTH = 16;

export function expectWire(r: ProtobufReader, tag: number, wire: number): void {
  if ((tag & 7) !== wire) {
    throw new ProtobufError(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${wire}`, r.at);
  }
}

/** A count: fixed64 today, a varint in OTLP before 0.9. */
export function count(r: ProtobufReader, tag: number): number {
  return (tag & 7) === WIRE_VARINT ? r.int64() : (expectWire(r, tag, WIRE_FIXED64), r.fixed64());
}

export function optionalDouble(r: ProtobufReader, tag: number): number {
  expectWire(r, tag, WIRE_FIXED64);
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
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
      key = r.string();
    } else if (field === 2) {
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
      value = anyValue(r.message(), depth + 1);
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
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
      value = r.string();
    } else if (field === 2) {
      expectWire(r, tag, WIRE_VARINT);
      value = r.uint32() !== 0;
    } else if (field === 3) {
      expectWire(r, tag, WIRE_VARINT);
      value = int64Value(r);
    } else if (field === 4) {
      value = optionalDouble(r, tag);
    } else if (field === 5 || field === 6) {
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
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
        expectWire(list, t, WIRE_LENGTH_DELIMITED);
        if (field === 5) items.push(anyValue(list.message(), depth + 1));
        else {
          const [k, v] = keyAndValue(list.message(), depth + 1);
          object[k] = v;
        }
      }
      value = field === 5 ? items : object;
    } else if (field === 7) {
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
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

/**
 * The envelope every OTLP export shares: a Resource{Metrics,Spans} holds its resource (field 1,
 * whose attributes are field 1) and its scopes (field 2). The resource is read first wherever it
 * sits in the bytes, each attribute handed to `onAttribute`; the scopes come back as [start, end)
 * pairs for `r.sub`, so the caller reads them knowing the resource.
 */
export function resourceScopes(r: ProtobufReader, onAttribute: (keyValue: ProtobufReader) => void): number[] {
  const scopes: number[] = [];
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
      const resource = r.message();
      while (!resource.done) {
        const t = resource.tag();
        if (t >>> 3 === 1) {
          expectWire(resource, t, WIRE_LENGTH_DELIMITED);
          onAttribute(resource.message());
        } else resource.skip(t & 7);
      }
    } else if (field === 2) {
      expectWire(r, tag, WIRE_LENGTH_DELIMITED);
      const { start, end } = r.delimited();
      scopes.push(start, end);
    } else r.skip(tag & 7);
  }
  return scopes;
}
