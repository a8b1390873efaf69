import { EXEMPLAR_ID_MAX_HEX, METRIC_LIMITS } from '../core/index.js';
import type {
  ErrorCode,
  MetricType,
  MinuteAggregator,
  PointColumns,
  PointSeries,
  SeriesKind,
} from '../core/index.js';
import type { CollectorMetrics } from './collector-metrics.js';

/**
 * Which of a request's exemplars may be kept, decided with its points (before the fold): those of
 * admitted series (`admitted[series]` defined), at a time the points' window accepts, with a
 * finite value and ids no longer than EXEMPLAR_ID_MAX_HEX. An exemplar is never a reason to refuse
 * a point or a request: the rest are dropped and counted, not rejected.
 */
export function admitExemplars(
  columns: PointColumns,
  admitted: readonly (string | undefined)[],
  timeProblem: (t: number) => ErrorCode | undefined,
  metrics: CollectorMetrics,
): Uint8Array {
  const ok = new Uint8Array(columns.exemplars.length);
  if (ok.length === 0) return ok;
  metrics.exemplars.inc(ok.length);
  let refusedSeries = 0;
  let invalid = 0;
  columns.exemplars.forEach((e, i) => {
    if (admitted[e.series] === undefined) refusedSeries++;
    else if (
      !Number.isFinite(e.value) ||
      Math.abs(e.value) > METRIC_LIMITS.valueMaxMagnitude ||
      timeProblem(e.timestamp) !== undefined ||
      e.traceId.length > EXEMPLAR_ID_MAX_HEX ||
      e.spanId.length > EXEMPLAR_ID_MAX_HEX
    )
      invalid++;
    else ok[i] = 1;
  });
  if (refusedSeries > 0) metrics.exemplarsDropped.inc({ reason: 'series_refused' }, refusedSeries);
  if (invalid > 0) metrics.exemplarsDropped.inc({ reason: 'invalid' }, invalid);
  return ok;
}

/**
 * Folds the admitted exemplars into the minute aggregator, under their series' stored type and
 * canonical tags; what the per-series-minute bound pushes out is counted as over_limit.
 */
export function foldExemplars(
  columns: PointColumns,
  admitted: readonly (string | undefined)[],
  ok: Uint8Array,
  storedType: Readonly<Record<SeriesKind, MetricType>>,
  aggregator: MinuteAggregator,
  metrics: CollectorMetrics,
): void {
  let dropped = 0;
  columns.exemplars.forEach((e, i) => {
    if (ok[i] !== 1) return;
    const s = columns.series[e.series] as PointSeries;
    const tags = admitted[e.series] as string;
    dropped += aggregator.addExemplar(s.service, s.name, storedType[s.kind], tags, {
      // Whole milliseconds, as the points (OTLP sends nanoseconds).
      timestamp: Math.floor(e.timestamp),
      value: e.value,
      traceId: e.traceId,
      spanId: e.spanId,
    });
  });
  if (dropped > 0) metrics.exemplarsDropped.inc({ reason: 'over_limit' }, dropped);
}
