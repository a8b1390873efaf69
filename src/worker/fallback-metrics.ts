import type { OutboxSize } from '../storage/index.js';
import { metricSet } from '../telemetry/index.js';

/** What the fallback outbox holds, read when Prometheus scrapes. */
export interface OutboxGauges {
  size(): OutboxSize;
  bytesOnDisk(): number;
}

/** The fallback outbox's self-metrics, named in the seed's style (`vantage_worker_...`). */
export type FallbackMetrics = ReturnType<typeof createFallbackMetrics>;

export const createFallbackMetrics = metricSet((m, outbox: OutboxGauges) => {
  m.readGauge(
    'vantage_worker_fallback_outbox_batches',
    'Batches in the fallback outbox, not yet in ClickHouse',
    () => outbox.size().batches,
  );
  m.readGauge(
    'vantage_worker_fallback_outbox_rows',
    'Minute aggregates in the fallback outbox',
    () => outbox.size().rows,
  );
  m.readGauge(
    'vantage_worker_fallback_outbox_samples',
    'Samples in the fallback outbox, not yet in ClickHouse',
    () => outbox.size().samples,
  );
  m.readGauge('vantage_worker_fallback_outbox_bytes', 'Size of the fallback outbox file and its WAL', () =>
    outbox.bytesOnDisk(),
  );
  m.readGauge(
    'vantage_worker_fallback_outbox_oldest_seconds',
    'Age of the oldest sample flush waiting in the fallback outbox (0 when empty)',
    () => {
      const oldest = outbox.size().oldest;
      return oldest === undefined ? 0 : Math.max(0, (Date.now() - oldest) / 1000);
    },
  );
  return {
    batchesAppended: m.counter(
      'vantage_worker_fallback_batches_appended_total',
      'Batches written to the fallback outbox instead of ClickHouse',
    ),
    samplesAppended: m.counter(
      'vantage_worker_fallback_samples_appended_total',
      'Samples written to the fallback outbox instead of ClickHouse',
    ),
    batchesReplayed: m.counter(
      'vantage_worker_fallback_batches_replayed_total',
      'Outbox batches ClickHouse acknowledged on replay (then deleted from the outbox)',
    ),
    samplesReplayed: m.counter(
      'vantage_worker_fallback_samples_replayed_total',
      'Samples of the outbox batches replayed into ClickHouse',
    ),
    replayFailures: m.counter(
      'vantage_worker_fallback_replay_failures_total',
      'Replays of an outbox batch that ClickHouse did not acknowledge (the batch stays)',
    ),
  };
});
