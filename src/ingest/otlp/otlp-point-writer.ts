import type { HistogramPoint, PointColumns, SeriesKind } from '../../core/index.js';

/** OTLP's AggregationTemporality. */
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** DataPointFlags.FLAG_NO_RECORDED_VALUE: the point marks a gap (a series that went away), not a value. */
const FLAG_NO_RECORDED_VALUE = 1;

/** The OpenTelemetry SDKs' own default when a resource names no service. */
export const UNKNOWN_SERVICE = 'unknown_service';
const SERVICE_ATTRIBUTE = 'service.name';

/**
 * Characters our names refuse become `_`, and a name that would start with a digit gets a `_` in
 * front, as Prometheus' OTLP translation does: `http.server.duration` stays, `k8s pod` becomes
 * `k8s_pod`. Only what the first-character rule and the pattern refuse is touched.
 */
function sanitizer(allowed: RegExp, first: RegExp): (raw: string) => string {
  const cache = new Map<string, string>();
  return (raw) => {
    let clean = cache.get(raw);
    if (clean === undefined) {
      clean = raw.replace(allowed, '_');
      if (clean === '' || !first.test(clean)) clean = `_${clean}`;
      // Bounded: the names senders use repeat; past the bound, names are cleaned each time.
      if (cache.size < 4096) cache.set(raw, clean);
    }
    return clean;
  };
}

// The complements of METRIC_LIMITS' patterns (the tests check the results against them).
export const sanitizeMetricName = sanitizer(/[^A-Za-z0-9_.:]/g, /^[A-Za-z_]/);
export const sanitizeTagKey = sanitizer(/[^A-Za-z0-9_.-]/g, /^[A-Za-z_]/);
export const sanitizeService = (raw: string): string =>
  raw === '' ? UNKNOWN_SERVICE : raw.replace(/[^A-Za-z0-9_.:/-]/g, '_');

/** A Sum's kind: monotonic sums are counters by temporality; any other sum is a level, a gauge. */
export function sumKind(monotonic: boolean, temporality: number): SeriesKind | undefined {
  if (!monotonic) return 'gauge';
  return temporality === TEMPORALITY_DELTA
    ? 'delta'
    : temporality === TEMPORALITY_CUMULATIVE
      ? 'cumulative'
      : undefined;
}

export function histogramKind(temporality: number): SeriesKind | undefined {
  return temporality === TEMPORALITY_DELTA
    ? 'histogram-delta'
    : temporality === TEMPORALITY_CUMULATIVE
      ? 'histogram-cumulative'
      : undefined;
}

/** An attribute value as a tag's text: scalars as they read, arrays and key-value lists as JSON. */
export function attributeText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * Nanoseconds to whole milliseconds, rounded down: the store keeps epoch ms as integers (a fraction
 * sets a whole aggregate aside as a dead letter), and down keeps each point in the minute it fell in.
 */
const nsToMs = (ns: number): number => Math.floor(ns / 1e6);
/** A start time of 0 means "unknown" in OTLP. */
const startMs = (ns: number): number => (ns > 0 ? Math.floor(ns / 1e6) : Number.NaN);

/**
 * The mapping rules both OTLP decoders (protobuf, JSON) follow, in one place: which resource
 * attribute names the service, how resource and point attributes merge into tags, which kind each
 * metric type becomes, what a summary expands into, which points are skipped. The decoders read
 * the wire and call these with plain numbers and flat `[key, value, ...]` attribute lists.
 */
export class OtlpPointWriter {
  private service = UNKNOWN_SERVICE;
  /** The resource's attributes, service.name left out: tags of every point below it. */
  private resourceLabels: string[] = [];
  private name = '';
  /** `resourceMetrics[i].scopeMetrics[j].metrics[k]`: where a series was found, for rejections. */
  private field = '';
  /** `sum`, `gauge`, ...: the metric's data field, for a point's path. */
  private dataField = '';

  constructor(readonly columns: PointColumns) {}

  /** Attributes as the wire gave them: keys unsanitized, values as AnyValue read (made text here). */
  startResource(attributes: readonly unknown[]): void {
    this.service = UNKNOWN_SERVICE;
    this.resourceLabels = [];
    for (let i = 0; i < attributes.length; i += 2) {
      const key = attributes[i] as string;
      const value = attributeText(attributes[i + 1]);
      if (key === SERVICE_ATTRIBUTE) this.service = sanitizeService(value);
      else this.resourceLabels.push(key, value);
    }
  }

  /** `dataField` is the JSON name of the metric's data (`sum`, `exponentialHistogram`, ...). */
  startMetric(name: string, field: string, dataField: string): void {
    this.name = sanitizeMetricName(name);
    this.field = field;
    this.dataField = dataField;
  }

  /** Refuses the points of a metric the decoder cannot read (an unspecified temporality, say). */
  rejectMetric(subfield: string, reason: string, points: number): void {
    const field = `${this.field}.${this.dataField}.${subfield}`;
    if (points > 0) this.columns.reject('VTG_INGEST_INVALID_SAMPLE', field, reason, points);
  }

  private pointField(point: number): string {
    return `${this.field}.${this.dataField}.dataPoints[${point}]`;
  }

  /** A Gauge's or Sum's point; the series' index, or -1 when the point was skipped or refused. */
  numberPoint(
    kind: SeriesKind,
    attributes: readonly string[],
    timeNs: number,
    startNs: number,
    value: number | undefined,
    flags: number,
    point: number,
  ): number {
    if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return -1;
    if (value === undefined) {
      this.columns.reject(
        'VTG_INGEST_INVALID_SAMPLE',
        this.pointField(point),
        'The data point has neither asInt nor asDouble',
      );
      return -1;
    }
    const series = this.series(this.name, kind, attributes, []);
    this.columns.addPoint(series, nsToMs(timeNs), value, startMs(startNs));
    return series;
  }

  /** A Histogram's or ExponentialHistogram's point; the series' index, or -1. */
  histogramPoint(
    kind: SeriesKind,
    attributes: readonly string[],
    timeNs: number,
    startNs: number,
    histogram: HistogramPoint,
    flags: number,
    point: number,
  ): number {
    if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return -1;
    if (histogram.layout === 'explicit') {
      const { bounds, counts } = histogram;
      // No buckets at all is allowed (count and sum only): one bucket holding every observation.
      const whole = bounds.length === 0 && counts.length === 0;
      if (!whole && counts.length !== bounds.length + 1) {
        this.columns.reject(
          'VTG_INGEST_INVALID_SAMPLE',
          `${this.pointField(point)}.bucketCounts`,
          `A histogram with ${bounds.length} explicit bounds needs ${bounds.length + 1} bucket counts, not ${counts.length}`,
        );
        return -1;
      }
      if (whole) histogram = { ...histogram, counts: [histogram.count] };
    }
    const series = this.series(this.name, kind, attributes, []);
    this.columns.addHistogram(series, nsToMs(timeNs), histogram, startMs(startNs));
    return series;
  }

  /**
   * A Summary's point: each quantile a gauge of the metric's name with a `quantile` tag, and
   * `<name>_count` and `<name>_sum` running totals, as Prometheus exposes summaries.
   * `quantiles` is flat: `[quantile, value, ...]`.
   */
  summaryPoint(
    attributes: readonly string[],
    timeNs: number,
    startNs: number,
    count: number,
    sum: number,
    quantiles: readonly number[],
    flags: number,
  ): void {
    if ((flags & FLAG_NO_RECORDED_VALUE) !== 0) return;
    const time = nsToMs(timeNs);
    const start = startMs(startNs);
    for (let i = 0; i < quantiles.length; i += 2) {
      const q = this.series(this.name, 'gauge', attributes, ['quantile', String(quantiles[i])]);
      this.columns.addPoint(q, time, quantiles[i + 1] as number, start);
    }
    const countSeries = this.series(`${this.name}_count`, 'cumulative', attributes, []);
    this.columns.addPoint(countSeries, time, count, start);
    const sumSeries = this.series(`${this.name}_sum`, 'cumulative', attributes, []);
    this.columns.addPoint(sumSeries, time, sum, start);
  }

  /** Ids as lower-case hex ('' when absent). */
  exemplar(series: number, timeNs: number, value: number, traceId: string, spanId: string): void {
    if (series >= 0) this.columns.addExemplar(series, nsToMs(timeNs), value, traceId, spanId);
  }

  /**
   * Tags: point attributes first (they win a clash with the resource's), then the resource's; keys
   * sanitized, empty values left out (the Prometheus rule: an empty label is no label).
   */
  private series(
    name: string,
    kind: SeriesKind,
    attributes: readonly string[],
    extra: readonly string[],
  ): number {
    const labels: string[] = [];
    const seen = new Set<string>();
    const add = (list: readonly string[]): void => {
      for (let i = 0; i < list.length; i += 2) {
        const value = list[i + 1] as string;
        if (value === '') continue;
        const key = sanitizeTagKey(list[i] as string);
        if (seen.has(key)) continue;
        seen.add(key);
        labels.push(key, value);
      }
    };
    add(extra);
    add(attributes);
    add(this.resourceLabels);
    return this.columns.addSeries(this.service, name, kind, labels, this.field);
  }
}
