import type { Gauge, Registry } from 'prom-client';
import { metricSet, metricsOn } from '../telemetry/index.js';

/** The worker's self-metrics, with the seed's names. */
export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

export const createWorkerMetrics = metricSet((m) => ({
  /** Cumulative series whose position is held in memory (src/worker/cumulative-state.ts). */
  cumulativeSeries: m.gauge(
    'vantage_worker_cumulative_series',
    'Cumulative series (counters and histograms sent as running totals) whose position is held in memory',
  ),
  cumulativeEvictions: m.counter(
    'vantage_worker_cumulative_evictions_total',
    'Positions dropped from memory past --max-cumulative-series (read back from the store when needed)',
  ),
  cumulativeReadFailures: m.counter(
    'vantage_worker_cumulative_read_failures_total',
    'Reads of saved cumulative positions that failed (those series restarted from a baseline)',
  ),
  /** The seed's name; labelled with the bus, embedded or kafka. */
  messagesConsumed: m.counter(
    'vantage_worker_kafka_messages_consumed_total',
    'Bus messages consumed (label bus: embedded log or kafka)',
    ['bus'],
  ),
  inserts: m.counter('vantage_worker_database_inserts_total', 'Store writes by outcome (ok, retry, failed)', [
    'store',
    'outcome',
  ]),
  lagSeconds: m.gauge(
    'vantage_worker_processing_lag_seconds',
    'Age of the oldest message in the last batch written',
  ),
  batchSize: m.gauge('vantage_worker_batch_size', 'Messages in the last batch written'),
  /** The distribution of the same number, for the worker health dashboard. */
  batchMessages: m.histogram(
    'vantage_worker_batch_messages',
    'Messages per batch written (the distribution of vantage_worker_batch_size)',
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
  ),
  samplesStored: m.counter(
    'vantage_worker_samples_stored_total',
    'Samples whose aggregates were written to the store',
  ),
  rowsWritten: m.counter(
    'vantage_worker_aggregates_written_total',
    'Minute aggregates written (before rollups)',
  ),
  writeDuration: m.histogram(
    'vantage_worker_database_insert_duration_seconds',
    'Time of one store write',
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    ['store'],
  ),
  decodeFailures: m.counter(
    'vantage_worker_decode_failures_total',
    'Bus messages that could not be decoded (skipped, logged)',
  ),
  /** Aggregates the store set aside because they can never be stored. */
  deadLetters: m.counter(
    'vantage_worker_dead_letter_total',
    'Aggregates set aside in the dead-letter table because the store can never hold them',
  ),
  /** 0 closed, 1 open, 2 half-open. */
  breakerState: m.gauge(
    'vantage_worker_circuit_breaker_state',
    "State of the store's circuit breaker: 0 closed, 1 open, 2 half-open",
  ),
}));

/**
 * Messages not yet consumed per assigned partition, asked of the bus when Prometheus scrapes. A
 * scrape while the bus is unreachable shows no partitions rather than stale numbers.
 */
export function createConsumerLagGauge(
  registry: Registry,
  lag: () => Promise<ReadonlyMap<number, number>>,
): Gauge<'partition'> {
  return metricsOn(registry).gauge(
    'vantage_worker_kafka_consumer_lag_messages',
    'Messages in the bus not yet consumed by this worker, per assigned partition',
    ['partition'],
    async function () {
      this.reset();
      try {
        for (const [partition, n] of await lag()) this.set({ partition: String(partition) }, n);
      } catch {
        // Unknown while the broker is away: an absent series says so better than a stale one.
      }
    },
  );
}

/** How much of the embedded log is on disk and how much of it the worker has yet to consume. */
export interface EmbeddedLogUsage {
  readonly logBytes: number;
  readonly backlogBytes: number;
}

/**
 * The embedded bus's size, read from the log when Prometheus scrapes: the counterpart of Kafka's
 * consumer lag (GET /v1/pipeline shows either).
 */
export function createEmbeddedLogGauges(registry: Registry, usage: () => EmbeddedLogUsage): void {
  const m = metricsOn(registry);
  m.readGauge(
    'vantage_worker_embedded_log_bytes',
    'Bytes the embedded log keeps on disk (segments not yet deleted after the worker commits)',
    () => usage().logBytes,
  );
  m.readGauge(
    'vantage_worker_embedded_log_backlog_bytes',
    'Bytes of the embedded log the worker has not consumed yet',
    () => usage().backlogBytes,
  );
}
