export {
  addSample,
  aggregateProblem,
  laterWins,
  mergeAggregate,
  mergeStats,
  newAggregate,
  rebucket,
} from './aggregate.js';
export type { Aggregate } from './aggregate.js';
export {
  decodeAggregateBatch,
  decodeAggregateStats,
  earliestStart,
  encodeAggregateBatch,
  foldAggregateBatch,
} from './aggregate-codec.js';
export type { AggregateBatch, AggregateStats } from './aggregate-codec.js';
export { AGGREGATIONS, clampedQuantile, isAggregation, quantileOf, stepValue } from './step-value.js';
export type { Aggregation } from './step-value.js';
export type { MetricsResponse, ServicesResponse, TimeseriesResponse, TimeseriesSeries } from './api-types.js';
export type { TimeseriesExemplar } from './api-types.js';
export type { CompareResponse, CompareSide, HealthScoresResponse } from './api-types.js';
export type { PipelineStatusResponse, PipelineTargetStatus } from './api-types.js';
export type { ExemplarsResponse, ServiceMapCall, ServiceMapQuery, ServiceMapResponse } from './api-types.js';
export type {
  ActiveAlertItem,
  AlertHistoryResponse,
  AlertsResponse,
  NotificationsResponse,
  RulePreviewResponse,
  RulesResponse,
  SilencesResponse,
} from './alerting-api-types.js';
export type {
  TraceResponse,
  TraceSpanItem,
  TraceSummaryItem,
  TracesQuery,
  TracesResponse,
} from './api-types.js';
export { DEFAULT_HEALTH_METRICS, HEALTH_FORMULA_TEXT, scoreHealth, worstFirst } from './health-score.js';
export type { HealthMeasurements, HealthMetricNames, HealthScore } from './health-score.js';
export { mergeStepStats } from './step-stats.js';
export type { StepStats } from './step-stats.js';
export { isWelchUndefined, welchTTest } from './welch-t-test.js';
export { SEED_BACKOFF, abortableSleep, backoffDelay, retryWithBackoff } from './backoff.js';
export type { BackoffPolicy, RetryGate, RetryHooks } from './backoff.js';
export { ERRORS, VantageError, errorBody, formatMessage } from './errors.js';
export type { ErrorBody, ErrorCode, ErrorParams, TextPosition } from './errors.js';
export { MinuteAggregator } from './minute-aggregator.js';
export { failed, ok, retryable } from './outcome.js';
export type { Outcome } from './outcome.js';
export { ProgressWatch } from './progress-watch.js';
export type { PartitionPosition } from './progress-watch.js';
export { QuantileSketch } from './quantile-sketch.js';
export { DAY_MS, HOUR_MS, METRIC_TYPES, MINUTE_MS, floorTo } from './sample.js';
export type { MetricType, Sample, Tags } from './sample.js';
export { canonicalLabels, canonicalTags, seriesKey } from './series-key.js';
export { TIERS, chooseTier } from './tiers.js';
export type { Tier, TierRetention } from './tiers.js';
export { formatDuration, parseDuration, parseRfc3339, parseTimePoint } from './time.js';
export { TokenBucketLimiter } from './token-bucket.js';
export { METRIC_LIMITS } from './metric-limits.js';
export { STREAM_CLOSE_CODES } from './stream-protocol.js';
export type {
  StreamClientMessage,
  StreamPoint,
  StreamServerMessage,
  StreamSubscribe,
  StreamUnsubscribe,
} from './stream-protocol.js';
export { PointColumns } from './point-columns.js';
export { EXEMPLAR_ID_MAX_HEX, EXEMPLARS_PER_SERIES_MINUTE, exemplarOrder, keepExemplar } from './exemplar.js';
export type { Exemplar, SeriesExemplars } from './exemplar.js';
export type {
  ExponentialHistogram,
  HistogramPoint,
  PointRejection,
  PointSeries,
  SeriesKind,
} from './point-columns.js';
export {
  ProtobufError,
  ProtobufReader,
  WIRE_FIXED32,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from './protobuf-reader.js';
export { ProtobufWriter } from './protobuf-writer.js';
export {
  applyPartial,
  cumulativeKey,
  decodePosition,
  encodePosition,
  increaseAggregate,
} from './cumulative.js';
export type { CumulativePartial, CumulativePosition } from './cumulative.js';
export { histogramDistribution } from './histogram.js';
export { SPAN_KINDS, SPAN_LIMITS, spanDurationMs, spanStartMs } from './span.js';
export { decodeSpanBatch, encodeSpanBatch } from './span-batch.js';
export type { Span, SpanAttributes, SpanEvent, SpanKind, SpanLink, SpanStatus } from './span.js';
export { SPAN_METRICS, SPAN_METRIC_TAGS } from './span-metric-names.js';
