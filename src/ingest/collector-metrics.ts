import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The collector's self-metrics, with the seed's names. */
export interface CollectorMetrics {
  readonly requests: Counter<'status'>;
  readonly requestDuration: Histogram<'status'>;
  readonly errors: Counter<'code'>;
  readonly samples: Counter<'outcome'>;
  /** The seed's name; labelled with the bus, embedded or kafka. */
  readonly publishDuration: Histogram<'bus'>;
  readonly publishedMessages: Counter<'bus'>;
  readonly publishFailures: Counter<'bus'>;
  readonly bufferSamples: Gauge;
  readonly bufferRejections: Counter;
  readonly activeSeries: Gauge;
  readonly seriesLimitRejections: Counter<'limit'>;
  /** Exemplars that arrived (a few per series-minute are kept for the traces issue). */
  readonly exemplars: Counter;
  /** Exemplars not kept, by reason (series_refused, invalid, over_limit). */
  readonly exemplarsDropped: Counter<'reason'>;
}

export function createCollectorMetrics(registry: Registry): CollectorMetrics {
  const registers = [registry];
  return {
    requests: new Counter({
      name: 'vantage_collector_requests_total',
      help: 'Ingestion requests by HTTP status',
      labelNames: ['status'],
      registers,
    }),
    requestDuration: new Histogram({
      name: 'vantage_collector_request_duration_seconds',
      help: 'Ingestion request duration, until the data is durable',
      labelNames: ['status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    errors: new Counter({
      name: 'vantage_collector_errors_total',
      help: 'Rejected requests and metrics by error code',
      labelNames: ['code'],
      registers,
    }),
    samples: new Counter({
      name: 'vantage_collector_samples_total',
      help: 'Metrics received, by outcome (accepted, rejected)',
      labelNames: ['outcome'],
      registers,
    }),
    publishDuration: new Histogram({
      name: 'vantage_collector_kafka_publish_duration_seconds',
      help: 'Time to publish one batch to the bus until it is durable (label bus: embedded log or kafka)',
      labelNames: ['bus'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
      registers,
    }),
    publishedMessages: new Counter({
      name: 'vantage_collector_bus_messages_published_total',
      help: 'Aggregate batches published to the bus',
      labelNames: ['bus'],
      registers,
    }),
    publishFailures: new Counter({
      name: 'vantage_collector_bus_publish_failures_total',
      help: 'Publishes the bus did not acknowledge',
      labelNames: ['bus'],
      registers,
    }),
    bufferSamples: new Gauge({
      name: 'vantage_collector_buffer_samples',
      help: 'Samples accepted and waiting to be durable in the bus',
      registers,
    }),
    bufferRejections: new Counter({
      name: 'vantage_collector_buffer_rejections_total',
      help: 'Requests refused with 503 because the buffer was full',
      registers,
    }),
    activeSeries: new Gauge({
      name: 'vantage_collector_active_series',
      help: 'Series this collector saw within --active-series-window',
      registers,
    }),
    seriesLimitRejections: new Counter({
      name: 'vantage_collector_series_limit_rejections_total',
      help: 'Samples of new series refused by a series limit (label limit: metric, service, total)',
      labelNames: ['limit'],
      registers,
    }),
    exemplars: new Counter({
      name: 'vantage_collector_exemplars_received_total',
      help: 'Exemplars that arrived with OTLP or remote_write samples',
      registers,
    }),
    exemplarsDropped: new Counter({
      name: 'vantage_collector_exemplars_dropped_total',
      help: 'Exemplars not kept (reason: series_refused, invalid, over_limit: past the few kept per series-minute)',
      labelNames: ['reason'],
      registers,
    }),
  };
}
