import { Registry } from 'prom-client';
import { decodeAggregateBatch } from '../../src/core/index.js';
import type { AggregateBatch } from '../../src/core/index.js';
import type { BusProducer } from '../../src/bus/index.js';
import { ActiveSeriesTracker } from '../../src/ingest/active-series.js';
import { BatchPublisher } from '../../src/ingest/batch-publisher.js';
import { createCollectorMetrics } from '../../src/ingest/collector-metrics.js';
import { PipelinePointIngest } from '../../src/ingest/point-ingest.js';

/** A bus that acknowledges every publish at once and keeps what it was given: payloads and keys. */
export class RecordingProducer implements BusProducer {
  readonly published: Buffer[] = [];
  readonly keys: (string | undefined)[] = [];
  constructor(readonly partitioned = false) {}

  async publish(payload: Buffer, key?: string): Promise<void> {
    this.published.push(payload);
    this.keys.push(key);
  }

  /** What was published, decoded. */
  get batches(): AggregateBatch[] {
    return this.published.map((p) => decodeAggregateBatch(p));
  }

  async close(): Promise<void> {}
}

/**
 * The collector's point pipeline (PipelinePointIngest over a BatchPublisher) on a
 * RecordingProducer: 3 tags, an hour's age, a minute's skew, `perMetric` series per metric.
 */
export function pointPipeline(perMetric = 100, partitioned = false) {
  const producer = new RecordingProducer(partitioned);
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry);
  const publisher = new BatchPublisher(
    producer,
    { maxPendingSamples: 1000, timeoutMs: 1000 },
    metrics,
    'test',
  );
  const ingest = new PipelinePointIngest({
    limits: { maxTags: 3, maxBatchSize: 100, maxSampleAgeMs: 3_600_000, maxFutureSkewMs: 60_000 },
    activeSeries: new ActiveSeriesTracker({ perMetric, perService: 1000, total: 1000, windowMs: 600_000 }),
    publisher,
    metrics,
  });
  return { producer, ingest, registry };
}
