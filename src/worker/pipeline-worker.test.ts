import { describe, it, expect, vi } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { Counter } from 'prom-client';
import { addSample, canonicalTags, encodeAggregateBatch, MINUTE_MS, newAggregate } from '../core/index.js';
import type { Aggregate, BackoffPolicy } from '../core/index.js';
import type { BusConsumer, BusMessage } from '../bus/index.js';
import type { Checkpoint, WriteReport } from '../storage/index.js';
import { PipelineWorker } from './pipeline-worker.js';
import type { PipelineWorkerOptions } from './pipeline-worker.js';
import { WorkerStoreFake } from '../../test/support/worker-fakes.js';
import { createWorkerMetrics } from './worker-metrics.js';
import type { WorkerMetrics } from './worker-metrics.js';

const T0 = Date.UTC(2024, 0, 1, 12);
const SOURCE = 'embedded:test-log';

/** An in-memory bus partition 0 with explicit offsets, honouring the BusConsumer contract. */
class MemoryConsumer implements BusConsumer {
  readonly messages: BusMessage[] = [];
  readonly commits: [number, number][] = [];
  readonly seeks: [number, number][] = [];
  private position = 0;
  private wake: (() => void) | undefined;

  constructor(private readonly events: string[] = []) {}

  push(offset: number, payload: Buffer): void {
    this.messages.push({ partition: 0, offset, payload });
    this.wake?.();
  }

  async poll(maxMessages: number, maxWaitMs: number): Promise<BusMessage[]> {
    if (this.position >= this.messages.length && maxWaitMs > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, maxWaitMs);
        function done(): void {
          clearTimeout(timer);
          resolve();
        }
        this.wake = done;
      });
      this.wake = undefined;
    }
    const out = this.messages.slice(this.position, this.position + maxMessages);
    this.position += out.length;
    return out;
  }

  async commit(partition: number, offset: number): Promise<void> {
    this.commits.push([partition, offset]);
    this.events.push(`commit ${offset}`);
  }

  async seekAfter(partition: number, offset: number): Promise<void> {
    this.seeks.push([partition, offset]);
    const i = this.messages.findIndex((m) => m.partition === partition && m.offset > offset);
    this.position = Math.max(this.position, i === -1 ? this.messages.length : i);
  }

  async close(): Promise<void> {}
}

interface RecordedWrite {
  readonly aggregates: Aggregate[];
  readonly checkpoints: Checkpoint[];
}

/** A Store that fails its first `failures` writes, then records them. */
class FakeStore extends WorkerStoreFake {
  readonly kind = 'fake';
  readonly writes: RecordedWrite[] = [];
  readonly checkpointSources: string[] = [];
  attempts = 0;

  constructor(
    private failures = 0,
    private readonly saved: Checkpoint[] = [],
    private readonly events: string[] = [],
  ) {
    super();
  }

  async write(aggregates: readonly Aggregate[], checkpoints: readonly Checkpoint[]): Promise<WriteReport> {
    this.attempts += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('SQLITE_BUSY: database is locked');
    }
    // Copies: what the worker hands over must not change after the write.
    this.writes.push({
      aggregates: aggregates.map((a) => ({ ...a, sketch: a.sketch })),
      checkpoints: [...checkpoints],
    });
    const last = checkpoints[checkpoints.length - 1];
    this.events.push(`write ${last?.offset ?? '-'}`);
    // As the real stores do with what they can never hold (src/storage/dead-letters.ts).
    const refused = aggregates.filter((a) => !Number.isFinite(a.sum));
    return { deadLetters: refused.map((aggregate) => ({ aggregate, reason: `sum is ${aggregate.sum}` })) };
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    this.checkpointSources.push(source);
    return this.saved.filter((c) => c.source === source);
  }
}

const FAST_BACKOFF: BackoffPolicy = { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: Infinity, jitter: 0 };

function options(overrides: Partial<PipelineWorkerOptions> = {}): PipelineWorkerOptions {
  return {
    source: SOURCE,
    busName: 'embedded',
    batchMaxMessages: 100,
    lingerMs: 5,
    backoff: FAST_BACKOFF,
    ...overrides,
  };
}

function setup(
  store: FakeStore,
  consumer: MemoryConsumer,
  overrides: Partial<PipelineWorkerOptions> = {},
): { worker: PipelineWorker; metrics: WorkerMetrics } {
  const metrics = createWorkerMetrics(new Registry());
  const worker = new PipelineWorker(consumer, store, metrics, pino({ level: 'silent' }), options(overrides));
  return { worker, metrics };
}

function gauge(value: number, at: number, tags: Record<string, string> = { region: 'eu' }): Aggregate {
  const a = newAggregate('checkout', 'latency_ms', 'gauge', canonicalTags(tags), at - (at % MINUTE_MS));
  addSample(a, value, at);
  return a;
}

function batch(aggregates: Aggregate[], samples = aggregates.length): Buffer {
  return encodeAggregateBatch({ samples, createdAt: T0, aggregates });
}

async function counterValue(counter: Counter<string>, labels: Record<string, string> = {}): Promise<number> {
  const { values } = await counter.get();
  const hit = values.find((v) => Object.entries(labels).every(([k, l]) => v.labels[k] === l));
  return hit?.value ?? 0;
}

function totals(writes: readonly RecordedWrite[]): { count: number; sum: number } {
  let count = 0;
  let sum = 0;
  for (const w of writes)
    for (const a of w.aggregates) {
      count += a.count;
      sum += a.sum;
    }
  return { count, sum };
}

describe('PipelineWorker', () => {
  it('counts what the store set aside as dead letters and goes on: commits, and writes what follows', async () => {
    const events: string[] = [];
    const consumer = new MemoryConsumer(events);
    const store = new FakeStore(0, [], events);
    const poison = { ...gauge(1, T0 + 1_000, { region: 'poison' }), sum: Number.POSITIVE_INFINITY };
    consumer.push(10, batch([gauge(5, T0 + 1_000), poison]));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    while (!events.includes('commit 10')) await new Promise((r) => setTimeout(r, 5));
    consumer.push(20, batch([gauge(7, T0 + 2_000)]));
    await worker.stop();
    expect(events).toEqual(['write 10', 'commit 10', 'write 20', 'commit 20']);
    expect(await counterValue(metrics.deadLetters)).toBe(1);
    expect(await counterValue(metrics.inserts, { store: 'fake', outcome: 'ok' })).toBe(2);
  });

  it('merges a batch of messages, writes it with the last offset, then commits', async () => {
    const events: string[] = [];
    const consumer = new MemoryConsumer(events);
    const store = new FakeStore(0, [], events);
    consumer.push(10, batch([gauge(5, T0 + 1_000), gauge(100, T0 + 1_000, { region: 'us' })]));
    consumer.push(20, batch([gauge(7, T0 + 2_000)]));
    consumer.push(30, batch([gauge(1, T0 + 3_000)], 4));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    await worker.stop();

    expect(store.writes).toHaveLength(1);
    const [write] = store.writes;
    expect(write?.checkpoints).toEqual([{ source: SOURCE, partition: 0, offset: 30 }]);
    const eu = write?.aggregates.find((a) => a.tags === '{"region":"eu"}');
    expect(write?.aggregates).toHaveLength(2);
    expect(eu).toMatchObject({ count: 3, sum: 13, min: 1, max: 7, last: 1, lastTimestamp: T0 + 3_000 });
    expect(eu?.sketch?.count).toBe(3);
    expect(consumer.commits).toEqual([[0, 30]]);
    expect(events).toEqual(['write 30', 'commit 30']);

    expect(await counterValue(metrics.messagesConsumed, { bus: 'embedded' })).toBe(3);
    expect(await counterValue(metrics.samplesStored)).toBe(2 + 1 + 4);
    expect(await counterValue(metrics.rowsWritten)).toBe(2);
    expect(await counterValue(metrics.inserts, { store: 'fake', outcome: 'ok' })).toBe(1);
    expect(await counterValue(metrics.decodeFailures)).toBe(0);
    expect((await metrics.batchSize.get()).values[0]?.value).toBe(3);
    const histogram = (await metrics.batchMessages.get()).values;
    expect(histogram.find((v) => v.metricName === 'vantage_worker_batch_messages_count')?.value).toBe(1);
    expect(histogram.find((v) => v.metricName === 'vantage_worker_batch_messages_sum')?.value).toBe(3);
    expect(histogram.find((v) => v.labels.le === 2)?.value).toBe(0);
    expect(histogram.find((v) => v.labels.le === 5)?.value).toBe(1);
  });

  it('writes at most batchMaxMessages per write, checkpointing and committing each', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    for (let i = 1; i <= 5; i++) consumer.push(i * 100, batch([gauge(i, T0 + i)]));
    const { worker } = setup(store, consumer, { batchMaxMessages: 2 });
    await worker.start();
    await worker.stop();
    expect(store.writes.map((w) => w.checkpoints.map((c) => c.offset))).toEqual([[200], [400], [500]]);
    expect(consumer.commits).toEqual([
      [0, 200],
      [0, 400],
      [0, 500],
    ]);
    expect(totals(store.writes)).toEqual({ count: 5, sum: 15 });
  });

  it('retries a failing store until it succeeds, writing the batch exactly once', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore(2);
    consumer.push(1, batch([gauge(5, T0 + 1)]));
    consumer.push(2, batch([gauge(6, T0 + 2)]));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    await worker.stop();
    expect(store.attempts).toBe(3);
    expect(store.writes).toHaveLength(1);
    // Each attempt starts from the messages again: no partial merged twice.
    expect(store.writes[0]?.aggregates).toHaveLength(1);
    expect(store.writes[0]?.aggregates[0]).toMatchObject({ count: 2, sum: 11 });
    expect(consumer.commits).toEqual([[0, 2]]);
    expect(await counterValue(metrics.inserts, { store: 'fake', outcome: 'retry' })).toBe(2);
    expect(await counterValue(metrics.inserts, { store: 'fake', outcome: 'ok' })).toBe(1);
    expect(await counterValue(metrics.samplesStored)).toBe(2);
    expect(worker.problem).toBeUndefined();
  });

  it('reports the earliest minute of each successful write to onStored, after the write and never for a failed attempt', async () => {
    const events: string[] = [];
    const consumer = new MemoryConsumer(events);
    const store = new FakeStore(1, [], events);
    consumer.push(1, batch([gauge(5, T0 + 3 * MINUTE_MS), gauge(6, T0 + MINUTE_MS + 7, { region: 'us' })]));
    consumer.push(2, Buffer.from('not an aggregate batch'));
    const { worker } = setup(store, consumer, { onStored: (from) => events.push(`stored ${from}`) });
    await worker.start();
    while (!events.includes('commit 2')) await new Promise((r) => setTimeout(r, 5));
    consumer.push(3, batch([gauge(7, T0 + 2 * MINUTE_MS)]));
    await worker.stop();
    expect(store.attempts).toBe(3);
    expect(events).toEqual([
      'write 2',
      `stored ${T0 + MINUTE_MS}`,
      'commit 2',
      'write 3',
      `stored ${T0 + 2 * MINUTE_MS}`,
      'commit 3',
    ]);
  });

  it('skips an undecodable message, counts it, and writes the rest', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    consumer.push(1, batch([gauge(5, T0 + 1)]));
    consumer.push(2, Buffer.from('{"not":"a batch"'));
    consumer.push(3, batch([gauge(6, T0 + 2, { region: 'us' })]));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    await worker.stop();
    expect(store.writes).toHaveLength(1);
    expect(store.writes[0]?.aggregates.map((a) => a.tags).sort()).toEqual([
      '{"region":"eu"}',
      '{"region":"us"}',
    ]);
    expect(store.writes[0]?.checkpoints).toEqual([{ source: SOURCE, partition: 0, offset: 3 }]);
    expect(consumer.commits).toEqual([[0, 3]]);
    expect(await counterValue(metrics.decodeFailures)).toBe(1);
  });

  it('still checkpoints and commits a batch of nothing but undecodable messages', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    consumer.push(8, Buffer.from('garbage'));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    await worker.stop();
    expect(store.writes).toEqual([
      { aggregates: [], checkpoints: [{ source: SOURCE, partition: 0, offset: 8 }] },
    ]);
    expect(consumer.commits).toEqual([[0, 8]]);
    expect(await counterValue(metrics.decodeFailures)).toBe(1);
  });

  // decodeFailures counts bus messages that could not be decoded. The worker decodes inside each
  // write attempt, so every store retry counts (and logs) the same bad message again.
  it('counts an undecodable message once even when the store write is retried', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore(2);
    consumer.push(1, Buffer.from('garbage'));
    consumer.push(2, batch([gauge(5, T0 + 1)]));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    await worker.stop();
    expect(store.writes).toHaveLength(1);
    expect(await counterValue(metrics.decodeFailures)).toBe(1);
  });

  it('resumes after the checkpoints saved in the store', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore(0, [
      { source: SOURCE, partition: 0, offset: 20 },
      { source: 'embedded:another-log', partition: 0, offset: 30 },
    ]);
    consumer.push(10, batch([gauge(1, T0 + 1)]));
    consumer.push(20, batch([gauge(2, T0 + 2)]));
    consumer.push(30, batch([gauge(4, T0 + 3)]));
    consumer.push(40, batch([gauge(8, T0 + 4)]));
    const { worker } = setup(store, consumer);
    await worker.start();
    await worker.stop();
    expect(store.checkpointSources).toEqual([SOURCE]);
    expect(consumer.seeks).toEqual([[0, 20]]);
    expect(totals(store.writes)).toEqual({ count: 2, sum: 12 });
  });

  it('writes messages that arrive while it runs', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    const { worker } = setup(store, consumer, { lingerMs: 20 });
    await worker.start();
    consumer.push(1, batch([gauge(3, T0 + 1)]));
    await vi.waitFor(() => expect(store.writes).toHaveLength(1));
    consumer.push(2, batch([gauge(4, T0 + 2)]));
    await vi.waitFor(() =>
      expect(consumer.commits).toEqual([
        [0, 1],
        [0, 2],
      ]),
    );
    await worker.stop();
    expect(totals(store.writes)).toEqual({ count: 2, sum: 7 });
  });

  it('keeps going when reading the bus fails, and says so until it reads again', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    const { worker } = setup(store, consumer, { lingerMs: 20 });
    const poll = consumer.poll.bind(consumer);
    let failures = 1;
    consumer.poll = async (max, wait) => {
      if (failures-- > 0) throw new Error('disk read error');
      return poll(max, wait);
    };
    await worker.start();
    await vi.waitFor(() => expect(worker.problem).toContain('disk read error'));
    consumer.push(1, batch([gauge(5, T0 + 1)]));
    await vi.waitFor(() => expect(consumer.commits).toEqual([[0, 1]]));
    expect(worker.problem).toBeUndefined();
    await worker.stop();
    expect(totals(store.writes)).toEqual({ count: 1, sum: 5 });
  });

  it('gathers the messages that arrive within the batch window into one write', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    const { worker } = setup(store, consumer, { lingerMs: 2_000 });
    await worker.start();
    consumer.push(1, batch([gauge(1, T0 + 1)]));
    setTimeout(() => consumer.push(2, batch([gauge(2, T0 + 2)])), 50);
    await vi.waitFor(() => expect(consumer.commits).toEqual([[0, 2]]), { timeout: 5_000 });
    await worker.stop();
    expect(store.writes).toHaveLength(1);
    expect(totals(store.writes)).toEqual({ count: 2, sum: 3 });
  });

  it('drains pending messages on stop', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore();
    const { worker } = setup(store, consumer, { batchMaxMessages: 3, lingerMs: 1_000 });
    await worker.start();
    for (let i = 1; i <= 10; i++) consumer.push(i, batch([gauge(i, T0 + i)]));
    await worker.stop();
    expect(totals(store.writes)).toEqual({ count: 10, sum: 55 });
    expect(consumer.commits[consumer.commits.length - 1]).toEqual([0, 10]);
  });

  it('gives up at the drain deadline without committing when the store keeps failing', async () => {
    const consumer = new MemoryConsumer();
    const store = new FakeStore(Number.POSITIVE_INFINITY);
    consumer.push(1, batch([gauge(3, T0 + 1)]));
    const { worker, metrics } = setup(store, consumer);
    await worker.start();
    await vi.waitFor(() => expect(store.attempts).toBeGreaterThan(1));
    expect(worker.problem).toContain('database is locked');
    await worker.stop(20);
    expect(store.writes).toEqual([]);
    expect(consumer.commits).toEqual([]);
    expect(await counterValue(metrics.inserts, { store: 'fake', outcome: 'ok' })).toBe(0);
  });
});
