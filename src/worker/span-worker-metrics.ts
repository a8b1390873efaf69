import { metricSet } from '../telemetry/index.js';

/** The span worker's self-metrics, beside the aggregate worker's on the worker's registry. */
export type SpanWorkerMetrics = ReturnType<typeof createSpanWorkerMetrics>;

export const createSpanWorkerMetrics = metricSet((m) => ({
  messagesConsumed: m.counter(
    'vantage_worker_span_messages_consumed_total',
    'Span batches consumed from the spans bus (label bus: embedded log or kafka)',
    ['bus'],
  ),
  writes: m.counter('vantage_worker_span_writes_total', 'Trace store writes by outcome (ok, retry)', [
    'outcome',
  ]),
  spansStored: m.counter(
    'vantage_worker_spans_stored_total',
    'Spans new to the trace store (a replayed span is not counted again)',
  ),
  deadLetters: m.counter(
    'vantage_worker_span_dead_letters_total',
    'Spans the trace store set aside because they can never be stored',
  ),
  decodeFailures: m.counter(
    'vantage_worker_span_decode_failures_total',
    'Span batches that did not decode and were skipped',
  ),
  writeDuration: m.histogram(
    'vantage_worker_span_write_duration_seconds',
    'Duration of trace store writes',
    [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  ),
  /** 0 closed, 1 open, 2 half-open. */
  breakerState: m.gauge(
    'vantage_worker_span_breaker_state',
    "The span worker's circuit breaker: 0 closed, 1 open, 2 half-open",
  ),
  outboxBatches: m.gauge(
    'vantage_worker_span_outbox_batches',
    'Span batches waiting in the fallback outbox for the trace store',
  ),
}));
