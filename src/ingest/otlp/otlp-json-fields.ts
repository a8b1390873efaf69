/*
 * The JSON side of OTLP/JSON (the protobuf JSON mapping as OTLP fixes it): the shapes its values
 * take, for the metrics and traces decoders and the envelope they share (otlp-envelope.ts).
 */
export class OtlpJsonError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(`${message} at ${field}`);
    this.name = 'OtlpJsonError';
  }
}

export type Json = Record<string, unknown>;

/** Attribute values nest (arrays, key-value lists); a bound keeps a hostile body from the stack's end. */
const MAX_VALUE_DEPTH = 16;

/**
 * KeyValue attributes as the flat `[key, value, ...]` list the writers take, each AnyValue passed
 * through `as` (the point writer wants text, the span writer the value itself).
 */
export function attributes<T>(value: unknown, path: string, as: (value: unknown) => T): (string | T)[] {
  const out: (string | T)[] = [];
  list(value, path, (kv, at) => {
    out.push(kv.key === undefined ? '' : text(kv.key, `${at}.key`), as(anyValue(kv.value, `${at}.value`, 0)));
  });
  return out;
}

/** AnyValue as a JSON value, as the protobuf decoder gives it. */
export function anyValue(value: unknown, path: string, depth: number): unknown {
  if (depth > MAX_VALUE_DEPTH)
    throw new OtlpJsonError(`attribute values nested deeper than ${MAX_VALUE_DEPTH}`, path);
  const v = object(value, path);
  if (v === undefined) return '';
  const s = get(v, 'stringValue', 'string_value');
  if (s !== undefined) return text(s, `${path}.stringValue`);
  const b = get(v, 'boolValue', 'bool_value');
  if (b !== undefined) return boolean(b, `${path}.boolValue`);
  const i = get(v, 'intValue', 'int_value');
  if (i !== undefined) return exactInteger(i, `${path}.intValue`);
  const d = get(v, 'doubleValue', 'double_value');
  if (d !== undefined) return double(d, `${path}.doubleValue`);
  const bytes = get(v, 'bytesValue', 'bytes_value');
  if (bytes !== undefined) return text(bytes, `${path}.bytesValue`);
  const array = object(get(v, 'arrayValue', 'array_value'), `${path}.arrayValue`);
  if (array !== undefined) {
    const values = array.values ?? [];
    if (!Array.isArray(values)) throw new OtlpJsonError('expected an array', `${path}.arrayValue.values`);
    return values.map((item, i) => anyValue(item, `${path}.arrayValue.values[${i}]`, depth + 1));
  }
  const kvlist = object(get(v, 'kvlistValue', 'kvlist_value'), `${path}.kvlistValue`);
  if (kvlist !== undefined) {
    // No prototype: a key `__proto__` is then a key like any other.
    const out = Object.create(null) as Record<string, unknown>;
    list(kvlist.values, `${path}.kvlistValue.values`, (kv, at) => {
      out[kv.key === undefined ? '' : text(kv.key, `${at}.key`)] = anyValue(
        kv.value,
        `${at}.value`,
        depth + 1,
      );
    });
    return out;
  }
  return '';
}

export function get(o: Json, camel: string, snake: string): unknown {
  return o[camel] ?? o[snake];
}

export function object(value: unknown, path: string): Json | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new OtlpJsonError('expected an object', path);
  return value as Json;
}

/** Calls `each` with every element (each an object), its path and index; absent is empty. */
export function list(
  value: unknown,
  path: string,
  each: (item: Json, path: string, index: number) => void,
): void {
  if (value === undefined || value === null) return;
  if (!Array.isArray(value)) throw new OtlpJsonError('expected an array', path);
  for (let i = 0; i < value.length; i++) {
    const at = `${path}[${i}]`;
    const item = object(value[i], at);
    if (item !== undefined) each(item, at, i);
  }
}

export function numbers(value: unknown, path: string, read: (v: unknown, path: string) => number): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpJsonError('expected an array', path);
  return value.map((v, i) => read(v, `${path}[${i}]`));
}

export function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new OtlpJsonError('expected a string', path);
  return value;
}

export function boolean(value: unknown, path: string): boolean {
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw new OtlpJsonError('expected true or false', path);
  return value;
}

const INTEGER = /^-?\d+$/;

/** A 64-bit integer as a double (exact to 2^53): a number or decimal text, as the JSON mapping allows. */
export function int64(value: unknown, path: string): number {
  if (value === undefined) return 0;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && INTEGER.test(value)) return Number(value);
  throw new OtlpJsonError('expected an integer (a number or decimal text)', path);
}

export function uint64(value: unknown, path: string): number {
  const n = int64(value, path);
  if (n < 0) throw new OtlpJsonError('expected an unsigned integer', path);
  return n;
}

/** An integer attribute value: a number up to 2^53, exact decimal text beyond (as the protobuf decoder). */
function exactInteger(value: unknown, path: string): number | string {
  const n = int64(value, path);
  return Number.isSafeInteger(n) ? n : BigInt(value as string | number).toString();
}

/** A double: a number, or the JSON mapping's "NaN", "Infinity", "-Infinity" (or decimal text). */
export function double(value: unknown, path: string): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string') {
    if (value === 'NaN') return Number.NaN;
    if (value === 'Infinity') return Number.POSITIVE_INFINITY;
    if (value === '-Infinity') return Number.NEGATIVE_INFINITY;
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n)) return n;
  }
  throw new OtlpJsonError('expected a number', path);
}

/** For `attributes`: an AnyValue kept as read (a resource's, a span's). */
export const asIs = (value: unknown): unknown => value;

/** An enum: an integer, or one of its value names (the proto3 JSON rules allow either). */
export function enumeration(value: unknown, names: Readonly<Record<string, number>>, path: string): number {
  if (typeof value === 'string' && value in names) return names[value] as number;
  return int64(value, path);
}

export function hexId(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || !/^[0-9a-fA-F]*$/.test(value))
    throw new OtlpJsonError('expected a hex id', path);
  return value.toLowerCase();
}
