import type { HistogramPoint, PointColumns, SeriesKind } from '../../core/index.js';
import {
  OtlpPointWriter,
  attributeText,
  TEMPORALITY_CUMULATIVE,
  TEMPORALITY_DELTA,
  histogramKind,
  sumKind,
} from './otlp-point-writer.js';
import { METRICS_SIGNAL, readJsonExport } from './otlp-envelope.js';
import {
  attributes,
  boolean,
  double,
  enumeration,
  get,
  hexId,
  int64,
  list,
  numbers,
  object,
  text,
  uint64,
} from './otlp-json-fields.js';
import type { Json } from './otlp-json-fields.js';

/*
 * OTLP/JSON (the protobuf JSON mapping as OTLP fixes it: lowerCamelCase keys, 64-bit integers as
 * decimal strings or numbers, enums as integers, trace and span ids as hex) read into the same
 * PointColumns, through the same OtlpPointWriter, as the protobuf decoder. The proto3 JSON rules
 * also let a parser accept the original snake_case names and enum names; we do, at the cost of one
 * lookup each.
 */

/** Decodes a parsed ExportMetricsServiceRequest; throws OtlpJsonError on a value of the wrong shape. */
export function decodeMetricsJson(body: unknown, columns: PointColumns): void {
  const writer = new OtlpPointWriter(columns);
  readJsonExport(body, METRICS_SIGNAL, writer, (m, path) => metric(m, path, writer));
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
      TEMPORALITY_NAMES,
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
    attributes(p.attributes, `${path}.attributes`, attributeText),
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

const TEMPORALITY_NAMES: Record<string, number> = {
  AGGREGATION_TEMPORALITY_UNSPECIFIED: 0,
  AGGREGATION_TEMPORALITY_DELTA: TEMPORALITY_DELTA,
  AGGREGATION_TEMPORALITY_CUMULATIVE: TEMPORALITY_CUMULATIVE,
};
