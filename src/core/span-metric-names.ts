/**
 * The two metrics every accepted span counts in, in its own service (the collector makes them,
 * src/ingest/span-metrics.ts; health scores read them for services that send no request metrics).
 */
export const SPAN_METRICS = {
  /** A delta counter: 1 per span. */
  calls: 'span_calls_total',
  /** A gauge: each span's duration in ms, so percentiles come from its sketch. */
  duration: 'span_duration_ms',
} as const;

/** Their tags: the span's name, its kind (server, client, ...) and its status (unset, ok, error). */
export const SPAN_METRIC_TAGS = {
  operation: 'operation',
  kind: 'span_kind',
  status: 'status_code',
} as const;
