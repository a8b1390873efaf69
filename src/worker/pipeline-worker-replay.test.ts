import { describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { BackoffPolicy } from '../core/index.js';
import type { BusConsumer } from '../bus/index.js';
import type { Store } from '../storage/index.js';
import { PipelineWorker, intentSource } from './pipeline-worker.js';
import type { PipelineWorkerOptions } from './pipeline-worker.js';
import { createWorkerMetrics } from './worker-metrics.js';
import {
  ClickHouseLikeState,
  ClickHouseLikeStore,
  MemoryConsumer,
  MemoryTopic,
  sampleMessage,
} from '../../test/support/worker-fakes.js';

/**
 * The worker on a store that writes like ClickHouse: the data insert and the checkpoint insert are
 * two statements, and a data insert whose checkpoints were seen before is dropped (the
 * deduplication token). A process killed between the two must replay a batch that ends where the
 * first attempt ended, or the overlap is stored twice.
 */
const T0 = Date.UTC(2024, 0, 1, 12);
const SOURCE = 'kafka:metrics-raw';
const FAST: BackoffPolicy = { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: Infinity, jitter: 0 };

const message = (value: number, at: number): Buffer => sampleMessage(value, at);

function worker(
  consumer: BusConsumer,
  store: Store,
  overrides: Partial<PipelineWorkerOptions> = {},
): { worker: PipelineWorker; registry: Registry } {
  const registry = new Registry();
  const options: PipelineWorkerOptions = {
    source: SOURCE,
    busName: 'kafka',
    batchMaxMessages: 1_000,
    lingerMs: 5,
    backoff: FAST,
    pinReplays: true,
    ...overrides,
  };
  const w = new PipelineWorker(
    consumer,
    store,
    createWorkerMetrics(registry),
    pino({ level: 'silent' }),
    options,
  );
  return { worker: w, registry };
}

function stored(state: ClickHouseLikeState): { count: number; sum: number } {
  return {
    count: state.rows.reduce((n, a) => n + a.count, 0),
    sum: state.rows.reduce((n, a) => n + a.sum, 0),
  };
}

/**
 * Worker one reads the first messages, inserts them and dies before the checkpoint; more messages
 * arrive; worker two starts on the same topic and database. Returns what was sent and stored.
 */
async function crashBetweenInsertAndCheckpoint(pinReplays: boolean) {
  const topic = new MemoryTopic();
  const state = new ClickHouseLikeState();
  let sent = { count: 0, sum: 0 };
  const send = (partition: number, value: number): void => {
    topic.push(partition, message(value, T0 + value));
    sent = { count: sent.count + 1, sum: sent.sum + value };
  };
  for (let v = 1; v <= 3; v++) send(0, v);
  const dying = new ClickHouseLikeStore(state);
  dying.dieAfterDataInsert = true;
  const first = worker(new MemoryConsumer(topic), dying, { pinReplays }).worker;
  await first.start();
  await vi.waitFor(() => expect(dying.events).toEqual(['write']));
  // Abandoned, frozen in its write like a killed process; more arrives while it is down.
  for (let v = 4; v <= 30; v++) send(v % 2, v);
  const second = worker(new MemoryConsumer(topic), new ClickHouseLikeStore(state), { pinReplays }).worker;
  await second.start();
  await vi.waitFor(() => expect(topic.committed.get(0)).toBe((topic.partitions.get(0)?.length ?? 0) - 1));
  await vi.waitFor(() => expect(topic.committed.get(1)).toBe((topic.partitions.get(1)?.length ?? 0) - 1));
  await second.stop();
  return { sent, stored: stored(state), state };
}

describe('PipelineWorker on a store deduplicating by checkpoints', () => {
  it('replays a batch killed between insert and checkpoint up to the same offset: nothing lost or doubled', async () => {
    const { sent, stored: got, state } = await crashBetweenInsertAndCheckpoint(true);
    expect(got).toEqual(sent);
    // 1-3, then the even values 4-30 on partition 0; the odd values 5-29 on partition 1.
    expect(state.checkpoints.get(`${SOURCE}|0`)).toBe(16);
    expect(state.checkpoints.get(`${SOURCE}|1`)).toBe(12);
    expect(state.checkpoints.get(`${intentSource(SOURCE)}|0`)).toBe(16);
  });

  it('without pinning, the same crash stores the first batch twice (what pinning prevents)', async () => {
    const { sent, stored: got } = await crashBetweenInsertAndCheckpoint(false);
    expect(got.count).toBe(sent.count + 3);
    expect(got.sum).toBe(sent.sum + 1 + 2 + 3);
  });

  it('records the intended end of each batch before its data, per partition', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    for (let v = 1; v <= 6; v++) topic.push(v % 2, message(v, T0 + v));
    const log: string[] = [];
    const store = new ClickHouseLikeStore(state, log);
    const original = store.write.bind(store);
    store.write = async (aggregates, checkpoints) => {
      log.push(
        `${aggregates.length > 0 ? 'data' : 'intent'} ${checkpoints.map((c) => `${c.partition}@${c.offset}`).join(',')}`,
      );
      return original(aggregates, checkpoints);
    };
    const { worker: w } = worker(new MemoryConsumer(topic), store);
    await w.start();
    await vi.waitFor(() => expect(topic.committed.get(1)).toBe(2));
    await w.stop();
    expect(log.filter((e) => e.startsWith('data') || e.startsWith('intent'))).toEqual([
      'intent 0@2',
      'data 0@2',
      'intent 1@2',
      'data 1@2',
    ]);
  });

  it('keeps going when a bus commit fails: the store checkpoint covers it', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const consumer = new MemoryConsumer(topic);
    consumer.failCommits = 1;
    topic.push(0, message(1, T0 + 1));
    const { worker: w } = worker(consumer, new ClickHouseLikeStore(state));
    await w.start();
    await vi.waitFor(() => expect(consumer.failCommits).toBe(0));
    topic.push(0, message(2, T0 + 2));
    await vi.waitFor(() => expect(topic.committed.get(0)).toBe(1));
    await w.stop();
    expect(stored(state)).toEqual({ count: 2, sum: 3 });
  });

  it('opens the breaker after N failures, stops reading while open, and closes on a successful probe', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const events: string[] = [];
    const consumer = new MemoryConsumer(topic, events);
    const store = new ClickHouseLikeStore(state, events);
    store.failures = 4;
    topic.push(0, message(5, T0 + 5));
    const { worker: w, registry } = worker(consumer, store, {
      pinReplays: false,
      breaker: { failureThreshold: 2, probeIntervalMs: 10 },
    });
    const states: number[] = [];
    const gauge = registry.getSingleMetric('vantage_worker_circuit_breaker_state');
    const record = async (): Promise<void> => {
      const value = (await gauge?.get())?.values[0]?.value;
      if (value !== undefined && states[states.length - 1] !== value) states.push(value);
    };
    const sampler = setInterval(() => void record(), 1);
    await w.start();
    await vi.waitFor(() => expect(topic.committed.get(0)).toBe(0));
    clearInterval(sampler);
    await record();
    await w.stop();
    expect(stored(state)).toEqual({ count: 1, sum: 5 });
    // Four failed attempts (two to open, two failed probes), then the probe that worked, and no
    // read of the bus in between.
    const firstWrite = events.indexOf('write failed');
    expect(events.slice(firstWrite, firstWrite + 5)).toEqual([
      'write failed',
      'write failed',
      'write failed',
      'write failed',
      'write',
    ]);
    expect(w.breakerState).toBe('closed');
    expect(states[states.length - 1]).toBe(0);
  });
});
