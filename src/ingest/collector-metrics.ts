import { metricSet } from '../telemetry/index.js';

/** The collector's self-metrics, with the seed's names. */
export type CollectorMetrics = ReturnType<typeof createCollectorMetrics>;

export const createCollectorMetrics = metricSet((m) => ({
  requests: m.counter('vantage_collector_requests_total', 'Ingestion requests by HTTP status', ['status']),
  requestDuration: m.histogram(
    'vantage_collector_request_duration_seconds',
    'Ingestion request duration, until the data is durable',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ['status'],
  ),
  errors: m.counter('vantage_collector_errors_total', 'Rejected requests and metrics by error code', [
    'code',
  ]),
  samples: m.counter('vantage_collector_samples_total', 'Metrics received, by outcome (accepted, rejected)', [
    'outcome',
  ]),
  /** The seed's name; labelled with the bus, embedded or kafka. */
  publishDuration: m.histogram(
    'vantage_collector_kafka_publish_duration_seconds',
    'Time to publish one batch to the bus until it is durable (label bus: embedded log or kafka)',
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 5],
    ['bus'],
  ),
  publishedMessages: m.counter(
    'vantage_collector_bus_messages_published_total',
    'Aggregate batches published to the bus',
    ['bus'],
  ),
  publishFailures: m.counter(
    'vantage_collector_bus_publish_failures_total',
    'Publishes the bus did not acknowledge',
    ['bus'],
  ),
  bufferSamples: m.gauge(
    'vantage_collector_buffer_samples',
    'Samples accepted and waiting to be durable in the bus',
  ),
  bufferRejections: m.counter(
    'vantage_collector_buffer_rejections_total',
    'Requests refused with 503 because the buffer was full',
  ),
  activeSeries: m.gauge(
    'vantage_collector_active_series',
    'Series this collector saw within --active-series-window',
  ),
  seriesLimitRejections: m.counter(
    'vantage_collector_series_limit_rejections_total',
    'Samples of new series refused by a series limit (label limit: metric, service, total)',
    ['limit'],
  ),
  /** Exemplars that arrived (a few per series-minute are kept for the traces issue). */
  exemplars: m.counter(
    'vantage_collector_exemplars_received_total',
    'Exemplars that arrived with OTLP or remote_write samples',
  ),
  /** Exemplars not kept, by reason (series_refused, invalid, over_limit). */
  exemplarsDropped: m.counter(
    'vantage_collector_exemplars_dropped_total',
    'Exemplars not kept (reason: series_refused, invalid, over_limit: past the few kept per series-minute)',
    ['reason'],
  ),
}));
