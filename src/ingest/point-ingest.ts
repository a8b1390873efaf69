import {
  canonicalLabels,
  formatDuration,
  histogramDistribution,
  METRIC_LIMITS,
  VantageError,
} from '../core/index.js';
import type {
  ErrorCode,
  MetricType,
  MinuteAggregator,
  PointColumns,
  PointRejection,
  PointSeries,
  SeriesKind,
} from '../core/index.js';
import type { ActiveSeriesTracker } from './active-series.js';
import type { BatchPublisher } from './batch-publisher.js';
import type { CollectorMetrics } from './collector-metrics.js';
import { admitExemplars, foldExemplars } from './exemplar-folding.js';
import type { ValidationLimits } from './sample-validator.js';
import { SERIES_LIMIT_SETTING } from './series-admission.js';

/** What became of a request's points. */
export interface PointIngestResult {
  /** Points accepted: durable on the bus when submit resolves. */
  readonly accepted: number;
  /** Points refused, by the decoder or the pipeline. */
  readonly rejected: number;
  /** Why, the first MAX_REASONS reasons: code, field, message. */
  readonly rejections: readonly PointRejection[];
}

/**
 * The ingest pipeline for decoded protocols (OTLP, remote_write, scrapes): validates each series and
 * point with the JSON path's limits and codes, counts new series against the series limits, folds
 * the points into the minute aggregates and resolves once they are durable on the bus.
 */
export interface PointIngest {
  /**
   * Throws VantageError VTG_INGEST_OVERLOADED (503, retryAfter) when the buffer is full,
   * VTG_INGEST_BUS_UNAVAILABLE (503) when the bus did not take it, VTG_SERVICE_UNAVAILABLE when
   * closing. Resolves with accepted 0 and nothing published when every point was refused.
   */
  submit(columns: PointColumns, now: number): Promise<PointIngestResult>;
}

const MAX_REASONS = 20;

/** What a series is stored as. */
const STORED_TYPE: Readonly<Record<SeriesKind, MetricType>> = {
  gauge: 'gauge',
  delta: 'counter',
  cumulative: 'counter',
  'histogram-delta': 'gauge',
  'histogram-cumulative': 'gauge',
};

interface SeriesProblem {
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: string;
}

interface CheckedSeries {
  readonly service: string;
  readonly name: string;
  readonly kind: SeriesKind;
  readonly problem: SeriesProblem | undefined;
  readonly text: string;
  readonly hi: number;
  readonly lo: number;
}

/** A series that passed validation and admission: its canonical tags; undefined when refused. */
type Admitted = string | undefined;

export interface PipelinePointIngestOptions {
  readonly limits: ValidationLimits;
  readonly activeSeries: ActiveSeriesTracker;
  readonly publisher: BatchPublisher;
  readonly metrics: CollectorMetrics;
}

/** PointIngest over the collector's validation limits, series tracker and batch publisher. */
export class PipelinePointIngest implements PointIngest {
  /** Keyed by the decoder's label arrays: an entry lives as long as the decoder keeps its array. */
  private readonly checked = new WeakMap<readonly string[], CheckedSeries>();

  constructor(private readonly options: PipelinePointIngestOptions) {}

  async submit(columns: PointColumns, now: number): Promise<PointIngestResult> {
    const { limits, metrics } = this.options;
    const reasons: PointRejection[] = columns.rejections.slice(0, MAX_REASONS);
    let rejected = columns.rejectedPoints;
    const refuse = (code: ErrorCode, field: string, message: string, points = 1): void => {
      rejected += points;
      metrics.errors.inc({ code }, points);
      if (reasons.length < MAX_REASONS) reasons.push({ code, field, message });
    };
    for (const r of columns.rejections) metrics.errors.inc({ code: r.code });

    const admitted: Admitted[] = columns.series.map((s) => this.admit(s, now, refuse));
    metrics.activeSeries.set(this.options.activeSeries.activeSeries);
    const oldest = now - limits.maxSampleAgeMs;
    const newest = now + limits.maxFutureSkewMs;
    const timeProblem = (t: number): ErrorCode | undefined =>
      !Number.isFinite(t)
        ? 'VTG_INGEST_TIMESTAMP_INVALID'
        : t < oldest
          ? 'VTG_INGEST_TIMESTAMP_TOO_OLD'
          : t > newest
            ? 'VTG_INGEST_TIMESTAMP_IN_FUTURE'
            : undefined;

    // Which points pass, decided before anything is folded: the publisher must know the count first.
    const pointOk = new Uint8Array(columns.pointCount);
    let accepted = 0;
    for (let i = 0; i < columns.pointCount; i++) {
      const s = columns.seriesAt(i);
      if (admitted[s] === undefined) continue;
      const field = (columns.series[s] as PointSeries).field;
      const value = columns.valueAt(i);
      const code = !Number.isFinite(value)
        ? 'VTG_INGEST_NON_FINITE_VALUE'
        : Math.abs(value) > METRIC_LIMITS.valueMaxMagnitude
          ? 'VTG_INGEST_VALUE_OUT_OF_RANGE'
          : timeProblem(columns.timestampAt(i));
      if (code !== undefined) {
        refuse(code, field, this.message(code));
        continue;
      }
      pointOk[i] = 1;
      accepted++;
    }
    const histogramOk = columns.histograms.map((h) => {
      if (admitted[h.series] === undefined) return false;
      const field = (columns.series[h.series] as PointSeries).field;
      const code = histogramProblem(h.histogram.count, h.histogram.sum) ?? timeProblem(h.timestamp);
      if (code !== undefined) {
        refuse(code, field, this.message(code));
        return false;
      }
      accepted++;
      return true;
    });
    metrics.samples.inc({ outcome: 'rejected' }, rejected);
    const exemplarOk = admitExemplars(columns, admitted, timeProblem, metrics);
    if (accepted === 0) return { accepted, rejected, rejections: reasons };

    await this.options.publisher.submitWith(accepted, (aggregator) => {
      fold(columns, admitted, pointOk, histogramOk, aggregator);
      foldExemplars(columns, admitted, exemplarOk, STORED_TYPE, aggregator, metrics);
    });
    metrics.samples.inc({ outcome: 'accepted' }, accepted);
    return { accepted, rejected, rejections: reasons };
  }

  private admit(
    s: PointSeries,
    now: number,
    refuse: (code: ErrorCode, field: string, message: string, points?: number) => void,
  ): Admitted {
    const checked = this.check(s);
    if (checked.problem !== undefined) {
      const { problem } = checked;
      refuse(problem.code, `${s.field}${problem.field}`, problem.message);
      return undefined;
    }
    const refusal = this.options.activeSeries.admitHashed(s.service, s.name, checked.hi, checked.lo, now);
    if (refusal !== undefined) {
      this.options.metrics.seriesLimitRejections.inc({ limit: refusal.scope });
      const err = new VantageError('VTG_INGEST_SERIES_LIMIT', {
        params: {
          scope: refusal.scope,
          what: `${s.service}/${s.name}`,
          limit: refusal.limit,
          setting: SERIES_LIMIT_SETTING[refusal.scope],
        },
      });
      refuse(err.code, s.field, err.message);
      return undefined;
    }
    return checked.text;
  }

  /**
   * What a series' identity alone decides: its problem, or its canonical tags and tracker hash.
   * Remembered for a decoder's reused label arrays (remote_write sends every series again each
   * scrape interval), so that a series is validated and hashed once, not once per request.
   */
  private check(s: PointSeries): CheckedSeries {
    const known = s.reused ? this.checked.get(s.labels) : undefined;
    if (known !== undefined && known.service === s.service && known.name === s.name && known.kind === s.kind)
      return known;
    const problem = seriesProblem(s, this.options.limits.maxTags);
    const text = problem === undefined ? canonicalLabels(s.labels) : '';
    const { hi, lo } =
      problem === undefined
        ? this.options.activeSeries.seriesHash(s.service, s.name, STORED_TYPE[s.kind], text)
        : { hi: 0, lo: 0 };
    const checked: CheckedSeries = { service: s.service, name: s.name, kind: s.kind, problem, text, hi, lo };
    if (s.reused) this.checked.set(s.labels, checked);
    return checked;
  }

  private message(code: ErrorCode): string {
    const { limits } = this.options;
    const params: Record<string, string | number> =
      code === 'VTG_INGEST_TIMESTAMP_TOO_OLD'
        ? { limit: formatDuration(limits.maxSampleAgeMs) }
        : code === 'VTG_INGEST_TIMESTAMP_IN_FUTURE'
          ? { limit: formatDuration(limits.maxFutureSkewMs) }
          : code === 'VTG_INGEST_VALUE_OUT_OF_RANGE'
            ? { limit: METRIC_LIMITS.valueMaxMagnitude }
            : { reason: 'invalid histogram' };
    return new VantageError(code, { params }).message;
  }
}

function fold(
  columns: PointColumns,
  admitted: readonly Admitted[],
  pointOk: Uint8Array,
  histogramOk: readonly boolean[],
  aggregator: MinuteAggregator,
): void {
  for (let i = 0; i < columns.pointCount; i++) {
    if (pointOk[i] !== 1) continue;
    const index = columns.seriesAt(i);
    const s = columns.series[index] as PointSeries;
    const tags = admitted[index] as string;
    // Stores keep whole milliseconds (aggregateProblem refuses fractions); OTLP sends nanoseconds.
    const t = Math.floor(columns.timestampAt(i));
    const v = columns.valueAt(i);
    if (s.kind === 'cumulative')
      aggregator.addCumulative(s.service, s.name, tags, t, Math.floor(columns.startAt(i)), {
        total: v,
        sum: 0,
        sketch: null,
      });
    else aggregator.addValue(s.service, s.name, STORED_TYPE[s.kind], tags, t, v);
  }
  columns.histograms.forEach((h, i) => {
    if (!histogramOk[i]) return;
    const s = columns.series[h.series] as PointSeries;
    const tags = admitted[h.series] as string;
    const t = Math.floor(h.timestamp);
    if (s.kind === 'histogram-cumulative') {
      const d = histogramDistribution(h.histogram, false);
      aggregator.addCumulative(s.service, s.name, tags, t, Math.floor(h.start), {
        total: d.count,
        sum: d.sum,
        sketch: d.sketch,
      });
    } else
      aggregator.addDistribution(
        s.service,
        s.name,
        tags,
        h.timestamp,
        histogramDistribution(h.histogram, true),
      );
  });
}

function seriesProblem(s: PointSeries, maxTags: number): SeriesProblem | undefined {
  const invalid = (field: string, message: string) => ({
    code: 'VTG_INGEST_INVALID_SAMPLE' as const,
    field,
    message,
  });
  if (s.service.length === 0 || !METRIC_LIMITS.servicePattern.test(s.service))
    return invalid('.service', `service "${s.service}" must match ${METRIC_LIMITS.servicePattern.source}`);
  if (s.service.length > METRIC_LIMITS.serviceMaxLength)
    return tooLong('.service', METRIC_LIMITS.serviceMaxLength);
  if (!METRIC_LIMITS.namePattern.test(s.name))
    return invalid('.name', `name "${s.name}" must match ${METRIC_LIMITS.namePattern.source}`);
  if (s.name.length > METRIC_LIMITS.nameMaxLength) return tooLong('.name', METRIC_LIMITS.nameMaxLength);
  if (s.labels.length / 2 > maxTags) {
    const code = 'VTG_INGEST_TOO_MANY_TAGS' as const;
    return { code, field: '.tags', message: new VantageError(code, { params: { limit: maxTags } }).message };
  }
  for (let i = 0; i + 1 < s.labels.length; i += 2) {
    const key = s.labels[i] as string;
    const value = s.labels[i + 1] as string;
    if (!METRIC_LIMITS.tagKeyPattern.test(key))
      return invalid(`.tags.${key}`, `tag key "${key}" must match ${METRIC_LIMITS.tagKeyPattern.source}`);
    if (key.length > METRIC_LIMITS.tagKeyMaxLength)
      return tooLong(`.tags.${key}`, METRIC_LIMITS.tagKeyMaxLength);
    if (value.length > METRIC_LIMITS.tagValueMaxLength) {
      const code = 'VTG_INGEST_VALUE_TOO_LONG' as const;
      const message = new VantageError(code, { params: { limit: METRIC_LIMITS.tagValueMaxLength } }).message;
      return { code, field: `.tags.${key}`, message };
    }
  }
  return undefined;
}

function tooLong(field: string, limit: number): SeriesProblem {
  const code = 'VTG_INGEST_NAME_TOO_LONG' as const;
  return { code, field, message: new VantageError(code, { params: { limit } }).message };
}

/** A histogram's count must be a whole number of observations and its sum finite (when given). */
function histogramProblem(count: number, sum: number): ErrorCode | undefined {
  if (!Number.isSafeInteger(count) || count < 0) return 'VTG_INGEST_INVALID_SAMPLE';
  if (!Number.isNaN(sum) && (!Number.isFinite(sum) || Math.abs(sum) > METRIC_LIMITS.valueMaxMagnitude))
    return 'VTG_INGEST_VALUE_OUT_OF_RANGE';
  return undefined;
}
