import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { OutboxSize } from '../storage/index.js';

/** What the fallback outbox holds, read when Prometheus scrapes. */
export interface OutboxGauges {
  size(): OutboxSize;
  bytesOnDisk(): number;
}

/** The fallback outbox's self-metrics, named in the seed's style (`vantage_worker_...`). */
export interface FallbackMetrics {
  readonly batchesAppended: Counter;
  readonly samplesAppended: Counter;
  readonly batchesReplayed: Counter;
  readonly samplesReplayed: Counter;
  readonly replayFailures: Counter;
}

export function createFallbackMetrics(registry: Registry, outbox: OutboxGauges): FallbackMetrics {
  const registers = [registry];
  const gauge = (name: string, help: string, read: () => number): void => {
    new Gauge({
      name,
      help,
      registers,
      collect() {
        this.set(read());
      },
    });
  };
  gauge(
    'vantage_worker_fallback_outbox_batches',
    'Batches in the fallback outbox, not yet in ClickHouse',
    () => outbox.size().batches,
  );
  gauge(
    'vantage_worker_fallback_outbox_rows',
    'Minute aggregates in the fallback outbox',
    () => outbox.size().rows,
  );
  gauge(
    'vantage_worker_fallback_outbox_samples',
    'Samples in the fallback outbox, not yet in ClickHouse',
    () => outbox.size().samples,
  );
  gauge('vantage_worker_fallback_outbox_bytes', 'Size of the fallback outbox file and its WAL', () =>
    outbox.bytesOnDisk(),
  );
  gauge(
    'vantage_worker_fallback_outbox_oldest_seconds',
    'Age of the oldest sample flush waiting in the fallback outbox (0 when empty)',
    () => {
      const oldest = outbox.size().oldest;
      return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
    },
  );
  return {
    batchesAppended: new Counter({
      name: 'vantage_worker_fallback_batches_appended_total',
      help: 'Batches written to the fallback outbox instead of ClickHouse',
      registers,
    }),
    samplesAppended: new Counter({
      name: 'vantage_worker_fallback_samples_appended_total',
      help: 'Samples written to the fallback outbox instead of ClickHouse',
      registers,
    }),
    batchesReplayed: new Counter({
      name: 'vantage_worker_fallback_batches_replayed_total',
      help: 'Outbox batches ClickHouse acknowledged on replay (then deleted from the outbox)',
      registers,
    }),
    samplesReplayed: new Counter({
      name: 'vantage_worker_fallback_samples_replayed_total',
      help: 'Samples of the outbox batches replayed into ClickHouse',
      registers,
    }),
    replayFailures: new Counter({
      name: 'vantage_worker_fallback_replay_failures_total',
      help: 'Replays of an outbox batch that ClickHouse did not acknowledge (the batch stays)',
      registers,
    }),
  };
}
