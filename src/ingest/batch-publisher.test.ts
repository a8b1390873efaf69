import { describe, expect, it } from 'vitest';
import { Registry } from 'prom-client';
import { decodeAggregateBatch, VantageError } from '../core/index.js';
import type { Sample } from '../core/index.js';
import type { BusProducer } from '../bus/index.js';
import { BatchPublisher } from './batch-publisher.js';
import { createCollectorMetrics } from './collector-metrics.js';

/** A bus whose publishes stay in flight until the test settles them. */
class ManualProducer implements BusProducer {
  readonly published: Buffer[] = [];
  private readonly inFlight: { resolve: () => void; reject: (e: Error) => void }[] = [];

  publish(payload: Buffer): Promise<void> {
    this.published.push(payload);
    return new Promise((resolve, reject) => this.inFlight.push({ resolve, reject }));
  }

  settle(outcome: 'ack' | Error): void {
    const next = this.inFlight.shift();
    if (!next) throw new Error('no publish in flight');
    if (outcome === 'ack') next.resolve();
    else next.reject(outcome);
  }

  async close(): Promise<void> {}
}

const sample = (value: number): Sample => ({
  service: 'checkout',
  name: 'latency_ms',
  type: 'gauge',
  value,
  timestamp: Date.UTC(2026, 10, 27, 10, 0, 0),
  tags: {},
});

const nextTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function publisherOn(producer: BusProducer): BatchPublisher {
  return new BatchPublisher(
    producer,
    { maxPendingSamples: 100, timeoutMs: 60_000 },
    createCollectorMetrics(new Registry()),
    'test',
  );
}

describe('BatchPublisher', () => {
  it('folds requests that arrive during a publish into the next message', async () => {
    const bus = new ManualProducer();
    const publisher = publisherOn(bus);
    const first = publisher.submit([sample(1)]);
    await nextTurn();
    const second = publisher.submit([sample(2)]);
    const third = publisher.submit([sample(3)]);
    bus.settle('ack');
    await first;
    await nextTurn();
    expect(bus.published).toHaveLength(2);
    expect(decodeAggregateBatch(bus.published[1]!).samples).toBe(2);
    bus.settle('ack');
    await Promise.all([second, third]);
    expect(publisher.pending).toBe(0);
  });

  it('refuses the requests queued behind a failed publish without publishing them', async () => {
    const bus = new ManualProducer();
    const publisher = publisherOn(bus);
    const first = publisher.submit([sample(1)]);
    await nextTurn();
    const queued = publisher.submit([sample(2), sample(3)]);
    bus.settle(new Error('broker down'));

    await expect(first).rejects.toMatchObject({ code: 'VTG_INGEST_BUS_UNAVAILABLE' });
    const refusal = await queued.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refusal).toBeInstanceOf(VantageError);
    expect(refusal).toMatchObject({ code: 'VTG_INGEST_BUS_UNAVAILABLE', retryAfter: 1 });
    // Only the failed message was ever handed to the bus: the queued samples are certainly not stored.
    expect(bus.published).toHaveLength(1);
    expect(publisher.pending).toBe(0);

    // The next request starts afresh: the bus may be back.
    const later = publisher.submit([sample(4)]);
    await nextTurn();
    expect(bus.published).toHaveLength(2);
    expect(decodeAggregateBatch(bus.published[1]!).samples).toBe(1);
    bus.settle('ack');
    await later;
  });
});
