import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The span worker's self-metrics, beside the aggregate worker's on the worker's registry. */
export interface SpanWorkerMetrics {
  readonly messagesConsumed: Counter<'bus'>;
  readonly writes: Counter<'outcome'>;
  readonly spansStored: Counter;
  readonly deadLetters: Counter;
  readonly decodeFailures: Counter;
  readonly writeDuration: Histogram;
  /** 0 closed, 1 open, 2 half-open. */
  readonly breakerState: Gauge;
  readonly outboxBatches: Gauge;
}

export function createSpanWorkerMetrics(registry: Registry): SpanWorkerMetrics {
  const registers = [registry];
  return {
    messagesConsumed: new Counter({
      name: 'vantage_worker_span_messages_consumed_total',
      help: 'Span batches consumed from the spans bus (label bus: embedded log or kafka)',
      labelNames: ['bus'],
      registers,
    }),
    writes: new Counter({
      name: 'vantage_worker_span_writes_total',
      help: 'Trace store writes by outcome (ok, retry)',
      labelNames: ['outcome'],
      registers,
    }),
    spansStored: new Counter({
      name: 'vantage_worker_spans_stored_total',
      help: 'Spans new to the trace store (a replayed span is not counted again)',
      registers,
    }),
    deadLetters: new Counter({
      name: 'vantage_worker_span_dead_letters_total',
      help: 'Spans the trace store set aside because they can never be stored',
      registers,
    }),
    decodeFailures: new Counter({
      name: 'vantage_worker_span_decode_failures_total',
      help: 'Span batches that did not decode and were skipped',
      registers,
    }),
    writeDuration: new Histogram({
      name: 'vantage_worker_span_write_duration_seconds',
      help: 'Duration of trace store writes',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    breakerState: new Gauge({
      name: 'vantage_worker_span_breaker_state',
      help: "The span worker's circuit breaker: 0 closed, 1 open, 2 half-open",
      registers,
    }),
    outboxBatches: new Gauge({
      name: 'vantage_worker_span_outbox_batches',
      help: 'Span batches waiting in the fallback outbox for the trace store',
      registers,
    }),
  };
}
