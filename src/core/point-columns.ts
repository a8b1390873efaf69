import type { ErrorCode } from './errors.js';

/**
 * How a series' values add up over time, as the protocols say it:
 * - `gauge`: a value at a time (OTLP gauges and non-monotonic sums, Prometheus gauges, summary
 *   quantiles). Stored as a gauge.
 * - `delta`: the increase since the previous point (OTLP delta monotonic sums). Stored as a counter.
 * - `cumulative`: a running total since the counter started (OTLP cumulative monotonic sums,
 *   Prometheus counters). The worker turns consecutive totals into increases and stores those as a
 *   counter (src/core/cumulative.ts).
 * - `histogram-delta`, `histogram-cumulative`: distributions (OTLP histograms of either layout,
 *   Prometheus native histograms), stored as a gauge whose count, sum and quantile sketch are the
 *   observations'; cumulative ones go through the worker like cumulative counters.
 */
export type SeriesKind = 'gauge' | 'delta' | 'cumulative' | 'histogram-delta' | 'histogram-cumulative';

export interface PointSeries {
  readonly service: string;
  readonly name: string;
  readonly kind: SeriesKind;
  /** Tags as protocols carry them, a flat list `[key1, value1, key2, value2, ...]`, any order. */
  readonly labels: readonly string[];
  /** Where in the request the series was found, for rejections (`resourceMetrics[0]...`). */
  readonly field: string;
  /**
   * The decoder hands the same `labels` array for this series in later requests (it keeps decoded
   * label sets, as remote_write's LabelCache does): the pipeline may remember what it checked.
   */
  readonly reused: boolean;
}

interface HistogramBase {
  /** Observations, whole. */
  readonly count: number;
  /** Sum of the observations; NaN when the sender did not say. */
  readonly sum: number;
  /** NaN when unknown. */
  readonly min: number;
  readonly max: number;
}

/** OTLP's explicit buckets: counts.length === bounds.length + 1; bucket i holds (bounds[i-1], bounds[i]]. */
export interface ExplicitHistogram extends HistogramBase {
  readonly layout: 'explicit';
  readonly bounds: readonly number[];
  readonly counts: readonly number[];
}

/**
 * OTLP's exponential histogram and Prometheus' native histogram: with base = 2^(2^-scale), bucket
 * `offset + i` holds (base^(offset+i), base^(offset+i+1)] (negatives mirrored); |v| <= zeroThreshold
 * counts in zeroCount.
 */
export interface ExponentialHistogram extends HistogramBase {
  readonly layout: 'exponential';
  readonly scale: number;
  readonly zeroCount: number;
  readonly zeroThreshold: number;
  readonly positiveOffset: number;
  readonly positive: readonly number[];
  readonly negativeOffset: number;
  readonly negative: readonly number[];
}

export type HistogramPoint = ExplicitHistogram | ExponentialHistogram;

export interface HistogramEntry {
  readonly series: number;
  readonly timestamp: number;
  /** When the cumulative histogram started counting, epoch ms; NaN when unknown. */
  readonly start: number;
  readonly histogram: HistogramPoint;
}

/** A sample's link to a trace, kept for the traces issue to follow. */
export interface ExemplarEntry {
  readonly series: number;
  readonly timestamp: number;
  readonly value: number;
  /** Lower-case hex, or '' when absent. */
  readonly traceId: string;
  readonly spanId: string;
}

/** What a decoder refused before the pipeline saw it: a point it could not read. */
export interface PointRejection {
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: string;
}

const INITIAL_CAPACITY = 1024;

/**
 * What a protocol decoder (OTLP, remote_write, a scrape) hands the ingest pipeline: series once each,
 * then their points in typed columns, so that decoding a request builds no object per sample. The
 * pipeline (src/ingest/point-ingest.ts) validates each series and point with the same limits and
 * codes as the JSON path, counts new series against the series limits, and folds the points into the
 * minute aggregates.
 *
 * Timestamps are epoch milliseconds (fractions allowed: the pipeline keeps whole milliseconds); `start` is when a cumulative series began
 * counting (OTLP's start_time_unix_nano, remote_write 2.0's created timestamp), NaN when unknown.
 */
export class PointColumns {
  readonly series: PointSeries[] = [];
  readonly histograms: HistogramEntry[] = [];
  readonly exemplars: ExemplarEntry[] = [];
  readonly rejections: PointRejection[] = [];
  /** Points refused by the decoder (a rejection may stand for several). */
  rejectedPoints = 0;

  private length = 0;
  private seriesColumn = new Int32Array(INITIAL_CAPACITY);
  private timestampColumn = new Float64Array(INITIAL_CAPACITY);
  private valueColumn = new Float64Array(INITIAL_CAPACITY);
  private startColumn = new Float64Array(INITIAL_CAPACITY);

  /** Number points (histograms not included). */
  get pointCount(): number {
    return this.length;
  }

  /** Every point, numbers and histograms. */
  get totalPoints(): number {
    return this.length + this.histograms.length;
  }

  /**
   * The index of a new series entry. A series named twice gets two entries, which the pipeline
   * admits and folds into the same aggregates: deduplicating here would cost a key per series for
   * what protocols rarely do (remote_write and OTLP name each series once per request).
   */
  addSeries(
    service: string,
    name: string,
    kind: SeriesKind,
    labels: readonly string[],
    field: string,
    reused = false,
  ): number {
    this.series.push({ service, name, kind, labels, field, reused });
    return this.series.length - 1;
  }

  addPoint(series: number, timestamp: number, value: number, start = Number.NaN): void {
    if (this.length === this.seriesColumn.length) this.grow();
    const i = this.length++;
    this.seriesColumn[i] = series;
    this.timestampColumn[i] = timestamp;
    this.valueColumn[i] = value;
    this.startColumn[i] = start;
  }

  addHistogram(series: number, timestamp: number, histogram: HistogramPoint, start = Number.NaN): void {
    this.histograms.push({ series, timestamp, start, histogram });
  }

  addExemplar(series: number, timestamp: number, value: number, traceId = '', spanId = ''): void {
    this.exemplars.push({ series, timestamp, value, traceId, spanId });
  }

  reject(code: ErrorCode, field: string, message: string, points = 1): void {
    this.rejections.push({ code, field, message });
    this.rejectedPoints += points;
  }

  seriesAt(i: number): number {
    return this.seriesColumn[i] as number;
  }
  timestampAt(i: number): number {
    return this.timestampColumn[i] as number;
  }
  valueAt(i: number): number {
    return this.valueColumn[i] as number;
  }
  startAt(i: number): number {
    return this.startColumn[i] as number;
  }

  private grow(): void {
    const size = this.seriesColumn.length * 2;
    const series = new Int32Array(size);
    series.set(this.seriesColumn);
    const timestamps = new Float64Array(size);
    timestamps.set(this.timestampColumn);
    const values = new Float64Array(size);
    values.set(this.valueColumn);
    const starts = new Float64Array(size);
    starts.set(this.startColumn);
    this.seriesColumn = series;
    this.timestampColumn = timestamps;
    this.valueColumn = values;
    this.startColumn = starts;
  }
}
