import type { HistogramPoint, PointColumns, SeriesKind } from '../../core/index.js';
import {
  OtlpPointWriter,
  attributeText,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  histogramKind,
  sumKind,
} from './otlp-point-writer.js';

/**
 * OTLP/JSON (the protobuf JSON mapping as OTLP fixes it: lowerCamelCase keys, 64-bit integers as
 * decimal strings or numbers, enums as integers, trace and span ids as hex) read into the same
 * PointColumns, through the same OtlpPointWriter, as the protobuf decoder. The proto3 JSON rules
 * also let a parser accept the original snake_case names and enum names; we do, at the cost of one
 * lookup each.
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

type Json = Record<string, unknown>;

const MAX_VALUE_DEPTH = 16;

/** Decodes a parsed ExportMetricsServiceRequest; throws OtlpJsonError on a value of the wrong shape. */
export function decodeMetricsJson(body: unknown, columns: PointColumns): void {
  const writer = new OtlpPointWriter(columns);
  const request = object(body, '$');
  if (request === undefined) throw new OtlpJsonError('the body must be an object', '$');
  list(get(request, 'resourceMetrics', 'resource_metrics'), 'resourceMetrics', (rm, path) => {
    const resource = object(rm.resource, `${path}.resource`);
    writer.startResource(attributes(resource?.attributes, `${path}.resource.attributes`));
    list(get(rm, 'scopeMetrics', 'scope_metrics'), `${path}.scopeMetrics`, (sm, scopePath) => {
      list(sm.metrics, `${scopePath}.metrics`, (m, metricPath) => metric(m, metricPath, writer));
    });
  });
}

const DATA_FIELDS = [
  ['gauge', 'gauge'],
  ['sum', 'sum'],
  ['histogram', 'histogram'],
  ['exponentialHistogram', 'exponential_histogram'],
  ['summary', 'summary'],
] as const;

function metric(m: Json, path: string, writer: OtlpPointWriter): void {
  const name = m.name === undefined ? '' : text(m.name, `${path}.name`);
  for (const [camel, snake] of DATA_FIELDS) {
    const data = object(get(m, camel, snake), `${path}.${camel}`);
    if (data === undefined) continue;
    writer.startMetric(name, path, camel);
    const temporality = enumeration(
      get(data, 'aggregationTemporality', 'aggregation_temporality'),
      `${path}.${camel}.aggregationTemporality`,
    );
    const points = get(data, 'dataPoints', 'data_points');
    const kind: SeriesKind | undefined =
      camel === 'sum'
        ? sumKind(boolean(get(data, 'isMonotonic', 'is_monotonic'), `${path}.sum.isMonotonic`), temporality)
        : camel === 'histogram' || camel === 'exponentialHistogram'
          ? histogramKind(temporality)
          : 'gauge';
    if (kind === undefined) {
      writer.rejectMetric(
        'aggregationTemporality',
        `The aggregation temporality must be DELTA (1) or CUMULATIVE (2), not ${temporality}`,
        Array.isArray(points) ? points.length : 0,
      );
      return;
    }
    const pointsPath = `${path}.${camel}.dataPoints`;
    list(points, pointsPath, (p, at, index) => {
      if (camel === 'summary') summaryPoint(p, at, writer);
      else if (camel === 'histogram')
        emitExemplars(
          p,
          at,
          writer,
          writer.histogramPoint(kind, ...common(p, at), explicit(p, at), flags(p, at), index),
        );
      else if (camel === 'exponentialHistogram')
        emitExemplars(
          p,
          at,
          writer,
          writer.histogramPoint(kind, ...common(p, at), exponential(p, at), flags(p, at), index),
        );
      else
        emitExemplars(
          p,
          at,
          writer,
          writer.numberPoint(kind, ...common(p, at), numberValue(p, at), flags(p, at), index),
        );
    });
    return;
  }
}

/** Attributes, time, start time: every point type has them. */
function common(p: Json, path: string): [string[], number, number] {
  return [
    attributes(p.attributes, `${path}.attributes`),
    uint64(get(p, 'timeUnixNano', 'time_unix_nano'), `${path}.timeUnixNano`),
    uint64(get(p, 'startTimeUnixNano', 'start_time_unix_nano'), `${path}.startTimeUnixNano`),
  ];
}

function flags(p: Json, path: string): number {
  return uint64(p.flags, `${path}.flags`);
}

function numberValue(p: Json, path: string): number | undefined {
  const asDouble = get(p, 'asDouble', 'as_double');
  if (asDouble !== undefined) return double(asDouble, `${path}.asDouble`);
  const asInt = get(p, 'asInt', 'as_int');
  return asInt === undefined ? undefined : int64(asInt, `${path}.asInt`);
}

function explicit(p: Json, path: string): HistogramPoint {
  return {
    layout: 'explicit',
    ...histogramBase(p, path),
    bounds: numbers(get(p, 'explicitBounds', 'explicit_bounds'), `${path}.explicitBounds`, double),
    counts: numbers(get(p, 'bucketCounts', 'bucket_counts'), `${path}.bucketCounts`, uint64),
  };
}

function exponential(p: Json, path: string): HistogramPoint {
  const positive = object(p.positive, `${path}.positive`);
  const negative = object(p.negative, `${path}.negative`);
  return {
    layout: 'exponential',
    ...histogramBase(p, path),
    scale: int64(p.scale ?? 0, `${path}.scale`),
    zeroCount: uint64(get(p, 'zeroCount', 'zero_count'), `${path}.zeroCount`),
    zeroThreshold: double(get(p, 'zeroThreshold', 'zero_threshold') ?? 0, `${path}.zeroThreshold`),
    positiveOffset: int64(positive?.offset ?? 0, `${path}.positive.offset`),
    positive: numbers(
      positive && get(positive, 'bucketCounts', 'bucket_counts'),
      `${path}.positive.bucketCounts`,
      uint64,
    ),
    negativeOffset: int64(negative?.offset ?? 0, `${path}.negative.offset`),
    negative: numbers(
      negative && get(negative, 'bucketCounts', 'bucket_counts'),
      `${path}.negative.bucketCounts`,
      uint64,
    ),
  };
}

function histogramBase(p: Json, path: string): { count: number; sum: number; min: number; max: number } {
  const optional = (key: 'sum' | 'min' | 'max'): number =>
    p[key] === undefined ? Number.NaN : double(p[key], `${path}.${key}`);
  return {
    count: uint64(p.count, `${path}.count`),
    sum: optional('sum'),
    min: optional('min'),
    max: optional('max'),
  };
}

function summaryPoint(p: Json, path: string, writer: OtlpPointWriter): void {
  const quantiles: number[] = [];
  list(get(p, 'quantileValues', 'quantile_values'), `${path}.quantileValues`, (q, at) => {
    quantiles.push(double(q.quantile ?? 0, `${at}.quantile`), double(q.value ?? 0, `${at}.value`));
  });
  const [attrs, time, start] = common(p, path);
  const sum = p.sum === undefined ? 0 : double(p.sum, `${path}.sum`);
  writer.summaryPoint(attrs, time, start, uint64(p.count, `${path}.count`), sum, quantiles, flags(p, path));
}

function emitExemplars(p: Json, path: string, writer: OtlpPointWriter, series: number): void {
  if (series < 0) return;
  list(p.exemplars, `${path}.exemplars`, (e, at) => {
    const value = numberValue(e, at) ?? 0;
    const time = uint64(get(e, 'timeUnixNano', 'time_unix_nano'), `${at}.timeUnixNano`);
    writer.exemplar(
      series,
      time,
      value,
      hexId(get(e, 'traceId', 'trace_id'), `${at}.traceId`),
      hexId(get(e, 'spanId', 'span_id'), `${at}.spanId`),
    );
  });
}

function attributes(value: unknown, path: string): string[] {
  const out: string[] = [];
  list(value, path, (kv, at) => {
    const key = kv.key === undefined ? '' : text(kv.key, `${at}.key`);
    out.push(key, attributeText(anyValue(kv.value, `${at}.value`, 0)));
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

// ---- JSON shapes ----

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

function numbers(value: unknown, path: string, read: (v: unknown, path: string) => number): number[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new OtlpJsonError('expected an array', path);
  return value.map((v, i) => read(v, `${path}[${i}]`));
}

export function text(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new OtlpJsonError('expected a string', path);
  return value;
}

function boolean(value: unknown, path: string): boolean {
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

function uint64(value: unknown, path: string): number {
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
function double(value: unknown, path: string): number {
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

const TEMPORALITY_NAMES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: TEMPORALITY_DELTA,
  AGGREGATION_TEMPORALITY_CUMULATIVE: TEMPORALITY_CUMULATIVE,
};

function enumeration(value: unknown, path: string): number {
  if (typeof value === 'string' && value in TEMPORALITY_NAMES) return TEMPORALITY_NAMES[value] as number;
  return int64(value, path);
}

export function hexId(value: unknown, path: string): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string' || !/^[0-9a-fA-F]*$/.test(value))
    throw new OtlpJsonError('expected a hex id', path);
  return value.toLowerCase();
}
