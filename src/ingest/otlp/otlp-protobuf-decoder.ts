import { WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '../../core/index.js';
import type { HistogramPoint, PointColumns, SeriesKind, ProtobufReader } from '../../core/index.js';
import { OtlpPointWriter, histogramKind, sumKind } from './otlp-point-writer.js';
import { METRICS_SIGNAL, readProtobufExport } from './otlp-envelope.js';
import { count, keyValue, optionalDouble } from './otlp-protobuf-fields.js';

/*
 * opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest, read straight into
 * PointColumns. Field numbers from opentelemetry-proto (metrics/v1/metrics.proto,
 * common/v1/common.proto, resource/v1/resource.proto, collector/metrics/v1/metrics_service.proto).
 *
 * Protobuf lets fields arrive in any order, and senders differ (the JS SDK writes a Sum's points
 * before its temporality, a point's attributes after its value), so each message that needs one
 * field to read another is read in two passes over its bytes, not into objects.
 */

/** Decodes an ExportMetricsServiceRequest; throws ProtobufError on bytes that are not one. */
export function decodeMetricsProtobuf(body: Uint8Array, columns: PointColumns): void {
  const writer = new OtlpPointWriter(columns);
  readProtobufExport(body, METRICS_SIGNAL, writer, (r, path) => metric(r, writer, path));
}

const DATA_FIELDS: Record<number, string> = {
  5: 'gauge',
  7: 'sum',
  9: 'histogram',
  10: 'exponentialHistogram',
  11: 'summary',
};

function metric(r: ProtobufReader, writer: OtlpPointWriter, path: string): void {
  let name = '';
  let dataField = 0;
  let start = 0;
  let end = 0;
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      name = r.stringField(tag);
    } else if (DATA_FIELDS[field] !== undefined) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      ({ start, end } = r.delimited());
      dataField = field;
    } else r.skip(tag & 7);
  }
  // A metric without data (its type unset) carries no points: nothing to keep or refuse.
  if (dataField === 0) return;
  writer.startMetric(name, path, DATA_FIELDS[dataField] as string);
  // Gauge, Sum, Histogram, ExponentialHistogram, Summary: data_points = 1,
  // aggregation_temporality = 2 (not Gauge, Summary), is_monotonic = 3 (Sum).
  let temporality = 0;
  let monotonic = false;
  const data = r.sub(start, end);
  const points: number[] = [];
  while (!data.done) {
    const tag = data.tag();
    const field = tag >>> 3;
    if (field === 1) {
      data.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const p = data.delimited();
      points.push(p.start, p.end);
    } else if (field === 2) {
      data.expectWire(tag, WIRE_VARINT);
      temporality = data.uint32();
    } else if (field === 3) {
      data.expectWire(tag, WIRE_VARINT);
      monotonic = data.uint32() !== 0;
    } else data.skip(tag & 7);
  }
  let kind: SeriesKind | undefined = 'gauge';
  if (dataField === 7) kind = sumKind(monotonic, temporality);
  else if (dataField === 9 || dataField === 10) kind = histogramKind(temporality);
  if (kind === undefined) {
    writer.rejectMetric(
      'aggregationTemporality',
      `The aggregation temporality must be DELTA (1) or CUMULATIVE (2), not ${temporality}`,
      points.length / 2,
    );
    return;
  }
  for (let p = 0; p < points.length; p += 2) {
    const point = r.sub(points[p] as number, points[p + 1] as number);
    if (dataField === 5 || dataField === 7) numberPoint(point, writer, kind, p / 2);
    else if (dataField === 9) histogramPoint(point, writer, kind, p / 2);
    else if (dataField === 10) exponentialPoint(point, writer, kind, p / 2);
    else summaryPoint(point, writer);
  }
}

/** The fields every data point has, read once per point. */
class PointFields {
  attributes: string[] = [];
  timeNs = 0;
  startNs = 0;
  flags = 0;
  /** [start, end) of each exemplar, read once the series is known. */
  exemplars: number[] = [];

  /** Reads a common field; false when `field` is not one of them for this point type. */
  read(
    r: ProtobufReader,
    tag: number,
    attributesField: number,
    exemplarsField: number,
    flagsField: number,
  ): boolean {
    const field = tag >>> 3;
    if (field === attributesField) {
      keyValue(r.messageField(tag), this.attributes, 0);
    } else if (field === 2) {
      r.expectWire(tag, WIRE_FIXED64);
      this.startNs = r.fixed64();
    } else if (field === 3) {
      r.expectWire(tag, WIRE_FIXED64);
      this.timeNs = r.fixed64();
    } else if (field === exemplarsField) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const { start, end } = r.delimited();
      this.exemplars.push(start, end);
    } else if (field === flagsField) {
      r.expectWire(tag, WIRE_VARINT);
      this.flags = r.uint32();
    } else return false;
    return true;
  }

  emitExemplars(r: ProtobufReader, writer: OtlpPointWriter, series: number): void {
    for (let e = 0; e < this.exemplars.length; e += 2)
      exemplar(r.sub(this.exemplars[e] as number, this.exemplars[e + 1] as number), writer, series);
  }
}

/** NumberDataPoint: attributes 7, start 2, time 3, as_double 4, exemplars 5, as_int 6, flags 8. */
function numberPoint(r: ProtobufReader, writer: OtlpPointWriter, kind: SeriesKind, index: number): void {
  const f = new PointFields();
  let value: number | undefined;
  while (!r.done) {
    const tag = r.tag();
    if (f.read(r, tag, 7, 5, 8)) continue;
    const field = tag >>> 3;
    if (field === 4) {
      r.expectWire(tag, WIRE_FIXED64);
      value = r.double();
    } else if (field === 6) {
      r.expectWire(tag, WIRE_FIXED64);
      value = r.sfixed64();
    } else r.skip(tag & 7);
  }
  const series = writer.numberPoint(kind, f.attributes, f.timeNs, f.startNs, value, f.flags, index);
  f.emitExemplars(r, writer, series);
}

/**
 * HistogramDataPoint: attributes 9, start 2, time 3, count 4, sum 5, bucket_counts 6,
 * explicit_bounds 7, exemplars 8, flags 10, min 11, max 12.
 */
function histogramPoint(r: ProtobufReader, writer: OtlpPointWriter, kind: SeriesKind, index: number): void {
  const f = new PointFields();
  let n = 0;
  let sum = Number.NaN;
  let min = Number.NaN;
  let max = Number.NaN;
  const counts: number[] = [];
  const bounds: number[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (f.read(r, tag, 9, 8, 10)) continue;
    const field = tag >>> 3;
    if (field === 4) n = count(r, tag);
    else if (field === 5) sum = optionalDouble(r, tag);
    else if (field === 6) r.packedFixed64(tag & 7, counts);
    else if (field === 7) r.packedDoubles(tag & 7, bounds);
    else if (field === 11) min = optionalDouble(r, tag);
    else if (field === 12) max = optionalDouble(r, tag);
    else r.skip(tag & 7);
  }
  const h: HistogramPoint = { layout: 'explicit', count: n, sum, min, max, bounds, counts };
  const series = writer.histogramPoint(kind, f.attributes, f.timeNs, f.startNs, h, f.flags, index);
  f.emitExemplars(r, writer, series);
}

/**
 * ExponentialHistogramDataPoint: attributes 1, start 2, time 3, count 4, sum 5, scale 6 (sint32),
 * zero_count 7, positive 8, negative 9, flags 10, exemplars 11, min 12, max 13, zero_threshold 14.
 */
function exponentialPoint(r: ProtobufReader, writer: OtlpPointWriter, kind: SeriesKind, index: number): void {
  const f = new PointFields();
  let n = 0;
  let sum = Number.NaN;
  let min = Number.NaN;
  let max = Number.NaN;
  let scale = 0;
  let zeroCount = 0;
  let zeroThreshold = 0;
  const positive = { offset: 0, counts: [] as number[] };
  const negative = { offset: 0, counts: [] as number[] };
  while (!r.done) {
    const tag = r.tag();
    if (f.read(r, tag, 1, 11, 10)) continue;
    const field = tag >>> 3;
    if (field === 4) n = count(r, tag);
    else if (field === 5) sum = optionalDouble(r, tag);
    else if (field === 6) {
      r.expectWire(tag, WIRE_VARINT);
      scale = r.sint64();
    } else if (field === 7) zeroCount = count(r, tag);
    else if (field === 8 || field === 9) {
      buckets(r.messageField(tag), field === 8 ? positive : negative);
    } else if (field === 12) min = optionalDouble(r, tag);
    else if (field === 13) max = optionalDouble(r, tag);
    else if (field === 14) zeroThreshold = optionalDouble(r, tag);
    else r.skip(tag & 7);
  }
  const h: HistogramPoint = {
    layout: 'exponential',
    count: n,
    sum,
    min,
    max,
    scale,
    zeroCount,
    zeroThreshold,
    positiveOffset: positive.offset,
    positive: positive.counts,
    negativeOffset: negative.offset,
    negative: negative.counts,
  };
  const series = writer.histogramPoint(kind, f.attributes, f.timeNs, f.startNs, h, f.flags, index);
  f.emitExemplars(r, writer, series);
}

/** Buckets: offset 1 (sint32), bucket_counts 2 (packed uint64). */
function buckets(r: ProtobufReader, into: { offset: number; counts: number[] }): void {
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 1) {
      r.expectWire(tag, WIRE_VARINT);
      into.offset = r.sint64();
    } else if (field === 2) r.packedVarints(tag & 7, into.counts);
    else r.skip(tag & 7);
  }
}

/** SummaryDataPoint: attributes 7, start 2, time 3, count 4, sum 5, quantile_values 6, flags 8. */
function summaryPoint(r: ProtobufReader, writer: OtlpPointWriter): void {
  const f = new PointFields();
  let n = 0;
  let sum = 0;
  const quantiles: number[] = [];
  while (!r.done) {
    const tag = r.tag();
    if (f.read(r, tag, 7, 0, 8)) continue;
    const field = tag >>> 3;
    if (field === 4) n = count(r, tag);
    else if (field === 5) sum = optionalDouble(r, tag);
    else if (field === 6) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      // ValueAtQuantile: quantile 1, value 2.
      const q = r.message();
      let quantile = 0;
      let value = 0;
      while (!q.done) {
        const t = q.tag();
        if (t >>> 3 === 1) quantile = optionalDouble(q, t);
        else if (t >>> 3 === 2) value = optionalDouble(q, t);
        else q.skip(t & 7);
      }
      quantiles.push(quantile, value);
    } else r.skip(tag & 7);
  }
  writer.summaryPoint(f.attributes, f.timeNs, f.startNs, n, sum, quantiles, f.flags);
}

/** Exemplar: time 2, as_double 3, span_id 4, trace_id 5, as_int 6 (filtered_attributes 7 not kept). */
function exemplar(r: ProtobufReader, writer: OtlpPointWriter, series: number): void {
  let timeNs = 0;
  let value = 0;
  let traceId = '';
  let spanId = '';
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === 2) {
      r.expectWire(tag, WIRE_FIXED64);
      timeNs = r.fixed64();
    } else if (field === 3) value = optionalDouble(r, tag);
    else if (field === 6) {
      r.expectWire(tag, WIRE_FIXED64);
      value = r.sfixed64();
    } else if (field === 4 || field === 5) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const id = Buffer.from(r.bytes()).toString('hex');
      if (field === 4) spanId = id;
      else traceId = id;
    } else r.skip(tag & 7);
  }
  writer.exemplar(series, timeNs, value, traceId, spanId);
}
