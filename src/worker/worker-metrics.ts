import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The worker's self-metrics, with the seed's names. */
export interface WorkerMetrics {
  /** The seed's name; labelled with the bus, embedded or kafka. */
  readonly messagesConsumed: Counter<'bus'>;
  readonly inserts: Counter<'store' | 'outcome'>;
  readonly lagSeconds: Gauge;
  readonly batchSize: Gauge;
  /** The distribution of the same number, for the worker health dashboard. */
  readonly batchMessages: Histogram;
  readonly samplesStored: Counter;
  readonly rowsWritten: Counter;
  readonly writeDuration: Histogram<'store'>;
  readonly decodeFailures: Counter;
  /** Aggregates the store set aside because they can never be stored. */
  readonly deadLetters: Counter;
  /** 0 closed, 1 open, 2 half-open. */
  readonly breakerState: Gauge;
  /** Cumulative series whose position is held in memory (src/worker/cumulative-state.ts). */
  readonly cumulativeSeries: Gauge;
  readonly cumulativeEvictions: Counter;
  readonly cumulativeReadFailures: Counter;
}

export function createWorkerMetrics(registry: Registry): WorkerMetrics {
  const registers = [registry];
  return {
    cumulativeSeries: new Gauge({
      name: 'vantage_worker_cumulative_series',
      help: 'Cumulative series (counters and histograms sent as running totals) whose position is held in memory',
      registers,
    }),
    cumulativeEvictions: new Counter({
      name: 'vantage_worker_cumulative_evictions_total',
      help: 'Positions dropped from memory past --max-cumulative-series (read back from the store when needed)',
      registers,
    }),
    cumulativeReadFailures: new Counter({
      name: 'vantage_worker_cumulative_read_failures_total',
      help: 'Reads of saved cumulative positions that failed (those series restarted from a baseline)',
      registers,
    }),
    messagesConsumed: new Counter({
      name: 'vantage_worker_kafka_messages_consumed_total',
      help: 'Bus messages consumed (label bus: embedded log or kafka)',
      labelNames: ['bus'],
      registers,
    }),
    inserts: new Counter({
      name: 'vantage_worker_database_inserts_total',
      help: 'Store writes by outcome (ok, retry, failed)',
      labelNames: ['store', 'outcome'],
      registers,
    }),
    lagSeconds: new Gauge({
      name: 'vantage_worker_processing_lag_seconds',
      help: 'Age of the oldest message in the last batch written',
      registers,
    }),
    batchSize: new Gauge({
      name: 'vantage_worker_batch_size',
      help: 'Messages in the last batch written',
      registers,
    }),
    batchMessages: new Histogram({
      name: 'vantage_worker_batch_messages',
      help: 'Messages per batch written (the distribution of vantage_worker_batch_size)',
      buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000],
      registers,
    }),
    samplesStored: new Counter({
      name: 'vantage_worker_samples_stored_total',
      help: 'Samples whose aggregates were written to the store',
      registers,
    }),
    rowsWritten: new Counter({
      name: 'vantage_worker_aggregates_written_total',
      help: 'Minute aggregates written (before rollups)',
      registers,
    }),
    writeDuration: new Histogram({
      name: 'vantage_worker_database_insert_duration_seconds',
      help: 'Time of one store write',
      labelNames: ['store'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    }),
    decodeFailures: new Counter({
      name: 'vantage_worker_decode_failures_total',
      help: 'Bus messages that could not be decoded (skipped, logged)',
      registers,
    }),
    deadLetters: new Counter({
      name: 'vantage_worker_dead_letter_total',
      help: 'Aggregates set aside in the dead-letter table because the store can never hold them',
      registers,
    }),
    breakerState: new Gauge({
      name: 'vantage_worker_circuit_breaker_state',
      help: "State of the store's circuit breaker: 0 closed, 1 open, 2 half-open",
      registers,
    }),
  };
}

/**
 * Messages not yet consumed per assigned partition, asked of the bus when Prometheus scrapes. A
 * scrape while the bus is unreachable shows no partitions rather than stale numbers.
 */
export function createConsumerLagGauge(
  registry: Registry,
  lag: () => Promise<ReadonlyMap<number, number>>,
): Gauge<'partition'> {
  return new Gauge({
    name: 'vantage_worker_kafka_consumer_lag_messages',
    help: 'Messages in the bus not yet consumed by this worker, per assigned partition',
    labelNames: ['partition'],
    registers: [registry],
    async collect() {
      this.reset();
      try {
        for (const [partition, n] of await lag()) this.set({ partition: String(partition) }, n);
      } catch {
        // Unknown while the broker is away: an absent series says so better than a stale one.
      }
    },
  });
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
  new Gauge({
    name: 'vantage_worker_embedded_log_bytes',
    help: 'Bytes the embedded log keeps on disk (segments not yet deleted after the worker commits)',
    registers: [registry],
    collect() {
      this.set(usage().logBytes);
    },
  });
  new Gauge({
    name: 'vantage_worker_embedded_log_backlog_bytes',
    help: 'Bytes of the embedded log the worker has not consumed yet',
    registers: [registry],
    collect() {
      this.set(usage().backlogBytes);
    },
  });
}
