import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { MINUTE_MS } from '../core/index.js';
import type { BackoffPolicy } from '../core/index.js';
import { SqliteOutbox } from '../storage/index.js';
import type { Store } from '../storage/index.js';
import { createFallbackMetrics } from './fallback-metrics.js';
import { PipelineWorker } from './pipeline-worker.js';
import type { PipelineWorkerOptions } from './pipeline-worker.js';
import {
  ClickHouseLikeState,
  ClickHouseLikeStore,
  MemoryConsumer,
  MemoryTopic,
  sampleMessage,
  tokenOf,
  totals,
} from '../../test/support/worker-fakes.js';
import { createWorkerMetrics } from './worker-metrics.js';

/**
 * The worker with the SQLite fallback outbox (FallbackLane) on fakes of our own Bus and Store that
 * behave like Kafka and ClickHouse (tokens dropped when seen before), and a real outbox file.
 * Each test checks conservation: what ClickHouse holds is what was sent, no less, no more.
 */
const T0 = Date.UTC(2024, 0, 1, 12);
const SOURCE = 'kafka:metrics-raw';
const FAST: BackoffPolicy = { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: Infinity, jitter: 0 };

let dir: string;
const opened: SqliteOutbox[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-fallback-'));
});

afterEach(() => {
  for (const o of opened.splice(0)) {
    try {
      o.close();
    } catch {
      // Closed by the test already.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

interface Harness {
  readonly worker: PipelineWorker;
  readonly outbox: SqliteOutbox;
  readonly consumer: MemoryConsumer;
  readonly registry: Registry;
}

function fallbackWorker(
  topic: MemoryTopic,
  store: Store,
  overrides: Partial<PipelineWorkerOptions> & { maxBytes?: number; replayRoundMs?: number } = {},
): Harness {
  const outbox = new SqliteOutbox(join(dir, 'outbox.db'));
  opened.push(outbox);
  const registry = new Registry();
  const consumer = new MemoryConsumer(topic);
  const { maxBytes, replayRoundMs, ...rest } = overrides;
  const worker = new PipelineWorker(
    consumer,
    store,
    createWorkerMetrics(registry),
    pino({ level: 'silent' }),
    {
      source: SOURCE,
      busName: 'kafka',
      batchMaxMessages: 1_000,
      lingerMs: 5,
      backoff: FAST,
      pinReplays: true,
      breaker: { failureThreshold: 2, probeIntervalMs: 20 },
      fallback: {
        outbox,
        maxBytes: maxBytes ?? 1024 ** 3,
        metrics: createFallbackMetrics(registry, outbox),
        ...(replayRoundMs === undefined ? {} : { replayRoundMs }),
      },
      ...rest,
    },
  );
  return { worker, outbox, consumer, registry };
}

/** Sends one sample per message, `value` being its own value; returns what was sent. */
class Sender {
  count = 0;
  sum = 0;
  private next = 1;

  constructor(private readonly topic: MemoryTopic) {}

  send(n: number, partitions = 2): void {
    for (let i = 0; i < n; i++) {
      const v = this.next++;
      this.topic.push(v % partitions, sampleMessage(v, T0 + v));
      this.count += 1;
      this.sum += v;
    }
  }
}

async function metric(registry: Registry, name: string): Promise<number | undefined> {
  return (await registry.getSingleMetric(name)?.get())?.values[0]?.value;
}

/** Every partition committed up to its last message. */
async function allCommitted(topic: MemoryTopic): Promise<void> {
  await vi.waitFor(() => {
    for (const p of topic.partitions.keys()) expect(topic.committed.get(p)).toBe(topic.end(p));
  });
}

function expectOffsetOrder(state: ClickHouseLikeState): void {
  for (const ends of state.insertedEnds.values()) {
    expect(ends, 'ClickHouse saw a partition out of offset order').toEqual([...ends].sort((a, b) => a - b));
    expect(new Set(ends).size).toBe(ends.length);
  }
}

describe('PipelineWorker with the SQLite fallback outbox', () => {
  it('keeps consuming into the outbox while the breaker is open, committing offsets only once durable, then replays', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const store = new ClickHouseLikeStore(state);
    const stored: number[] = [];
    const { worker, outbox, consumer, registry } = fallbackWorker(topic, store, {
      onStored: (from) => stored.push(from),
    });
    const early: string[] = [];
    consumer.onCommit = (p, offset) => {
      const inStore = state.checkpoints.get(`${SOURCE}|${p}`) ?? -1;
      const inOutbox = outbox.lastOffsets(SOURCE).get(p) ?? -1;
      if (Math.max(inStore, inOutbox) < offset) early.push(`${p}@${offset}`);
    };
    const sender = new Sender(topic);
    sender.send(6);
    await worker.start();
    await allCommitted(topic);
    const beforeOutage = totals(state.rows);

    store.down = true;
    sender.send(10);
    await allCommitted(topic);
    expect(worker.breakerState).not.toBe('closed');
    sender.send(10);
    await allCommitted(topic);
    // Everything sent during the outage is in the outbox, committed in Kafka, and not in ClickHouse.
    expect(totals(state.rows)).toEqual(beforeOutage);
    const held = outbox.size();
    expect(held.samples).toBe(20);
    expect(held.batches).toBeGreaterThanOrEqual(2);
    expect(await metric(registry, 'vantage_worker_fallback_outbox_batches')).toBe(held.batches);
    expect(await metric(registry, 'vantage_worker_fallback_outbox_samples')).toBe(20);
    expect(await metric(registry, 'vantage_worker_fallback_outbox_rows')).toBe(held.rows);
    expect(await metric(registry, 'vantage_worker_fallback_outbox_bytes')).toBeGreaterThan(0);

    const storedBeforeReplay = stored.length;
    store.down = false;
    sender.send(4);
    await vi.waitFor(() => expect(outbox.isEmpty).toBe(true));
    await allCommitted(topic);
    await vi.waitFor(() => expect(totals(state.rows)).toEqual({ count: sender.count, sum: sender.sum }));
    await worker.stop();
    expect(early, 'offsets committed before their batch was durable').toEqual([]);
    expect(worker.breakerState).toBe('closed');
    expectOffsetOrder(state);
    expect(await metric(registry, 'vantage_worker_fallback_batches_replayed_total')).toBe(
      await metric(registry, 'vantage_worker_fallback_batches_appended_total'),
    );
    // The outage's 20, and whatever came while partitions still had outbox batches.
    const replayed = await metric(registry, 'vantage_worker_fallback_samples_replayed_total');
    expect(replayed).toBe(await metric(registry, 'vantage_worker_fallback_samples_appended_total'));
    expect(replayed).toBeGreaterThanOrEqual(20);
    expect(await metric(registry, 'vantage_worker_fallback_outbox_batches')).toBe(0);
    // A replay from the outbox is a store write too: the cache must hear of it.
    expect(stored.length - storedBeforeReplay).toBeGreaterThanOrEqual(held.batches);
    expect(stored.every((from) => from === T0 - (T0 % MINUTE_MS))).toBe(true);
  });

  it('diverts a batch whose insert landed but whose answer was lost with its own end: the replay is dropped as a repeat', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const store = new ClickHouseLikeStore(state);
    // Both attempts before the breaker opens store the data and lose the answer.
    store.loseAnswers = 2;
    const { worker, outbox } = fallbackWorker(topic, store);
    const appended: number[] = [];
    const append = outbox.append.bind(outbox);
    outbox.append = (batch, aggregates) => {
      appended.push(batch.attempts);
      return append(batch, aggregates);
    };
    const sender = new Sender(topic);
    sender.send(5, 1);
    await worker.start();
    await allCommitted(topic);
    await vi.waitFor(() => expect(outbox.isEmpty).toBe(true));
    await worker.stop();
    expect(appended).toEqual([2]);
    // The second attempt and the replay carried the first attempt's token.
    expect(state.dropped).toBe(2);
    expect(totals(state.rows)).toEqual({ count: 5, sum: 15 });
    expect(state.checkpoints.get(`${SOURCE}|0`)).toBe(4);
  });

  it('kill -9 in the middle of a replay: the next worker replays the same batches with the same tokens, nothing doubles', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const dying = new ClickHouseLikeStore(state);
    dying.down = true;
    const first = fallbackWorker(topic, dying);
    const sender = new Sender(topic);
    sender.send(8);
    await first.worker.start();
    await allCommitted(topic);
    sender.send(8);
    await allCommitted(topic);
    const queued = first.outbox.size();
    expect(queued.samples).toBe(16);
    const head = first.outbox.first();
    if (head === undefined) throw new Error('the outbox should hold the outage');

    // ClickHouse comes back; the worker's first replay inserts its data and the process dies there.
    dying.dieAfterDataInsert = true;
    dying.down = false;
    await vi.waitFor(() => expect(dying.events.filter((e) => e === 'write')).toHaveLength(1));
    expect(state.tokens).toEqual(new Set([tokenOf([head.checkpoint])]));
    expect(totals(state.rows).count).toBeGreaterThan(0);

    // A new process on the same outbox file, topic and database; more data arrives meanwhile.
    const second = fallbackWorker(topic, new ClickHouseLikeStore(state));
    expect(second.outbox.size()).toEqual(queued);
    sender.send(6);
    await second.worker.start();
    await vi.waitFor(() => expect(second.outbox.isEmpty).toBe(true));
    await allCommitted(topic);
    await vi.waitFor(() => expect(totals(state.rows).count).toBe(sender.count));
    await second.worker.stop();
    expect(state.dropped).toBe(1);
    expect(totals(state.rows)).toEqual({ count: sender.count, sum: sender.sum });
    expectOffsetOrder(state);
    expect(await metric(second.registry, 'vantage_worker_fallback_batches_replayed_total')).toBe(
      queued.batches,
    );
  });

  it('queues new batches of a partition behind its outbox batches while others go straight to ClickHouse', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const store = new ClickHouseLikeStore(state);
    const { worker, outbox } = fallbackWorker(topic, store, {
      backoff: { initialDelayMs: 300, maxDelayMs: 300, maxAttempts: Infinity, jitter: 0 },
    });
    await worker.start();
    // Partition 0 only, during the outage: the outbox holds two or more of its batches.
    store.down = true;
    const sender = new Sender(topic);
    sender.send(4, 1);
    await allCommitted(topic);
    sender.send(4, 1);
    await allCommitted(topic);
    const secondBatchEnd = outbox.lastOffsets(SOURCE).get(0) ?? -1;
    expect(outbox.size().batches).toBeGreaterThanOrEqual(2);
    // Back, but the replay of the last outbox batch fails once with the breaker closed: a 300 ms
    // backoff during which new data comes for both partitions.
    let failedOnce = false;
    store.failWrite = (checkpoints) => {
      if (failedOnce || checkpoints[0]?.offset !== secondBatchEnd) return false;
      failedOnce = true;
      return true;
    };
    store.down = false;
    await vi.waitFor(() => expect(failedOnce).toBe(true));
    topic.push(0, sampleMessage(100, T0 + 100));
    topic.push(1, sampleMessage(200, T0 + 200));
    await allCommitted(topic);
    await vi.waitFor(() => expect(outbox.isEmpty).toBe(true));
    await worker.stop();
    expect(worker.breakerState).toBe('closed');
    // Partition 1's batch went in while partition 0 still waited for its replay, and partition 0's
    // new batch came after its outbox batches.
    const order = state.inserted.map((i) => `${i.partition}@${i.end}`);
    expect(order.indexOf('1@0')).toBeLessThan(order.indexOf(`0@${secondBatchEnd}`));
    expect(order[order.length - 1]).toBe(`0@${topic.end(0)}`);
    expectOffsetOrder(state);
    expect(totals(state.rows)).toEqual({ count: 10, sum: 36 + 300 });
  });

  it('drains the outbox under sustained load however slow inserts are: every round replays more than came in', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const store = new ClickHouseLikeStore(state);
    // Eight partitions, inserts of 20 ms and rounds of 50 ms: a round bounded by time alone would
    // replay two or three batches while a gather appends eight.
    const { worker, outbox, registry } = fallbackWorker(topic, store, { replayRoundMs: 50 });
    const sender = new Sender(topic);
    await worker.start();
    store.down = true;
    sender.send(16, 8);
    await allCommitted(topic);
    sender.send(16, 8);
    await allCommitted(topic);
    expect(outbox.size().batches).toBeGreaterThanOrEqual(16);
    const appendedInOutage = await metric(registry, 'vantage_worker_fallback_batches_appended_total');
    store.insertMs = 20;
    store.down = false;
    const load = setInterval(() => sender.send(8, 8), 10);
    try {
      await vi.waitFor(() => expect(outbox.isEmpty).toBe(true), { timeout: 30_000, interval: 20 });
    } finally {
      clearInterval(load);
    }
    await allCommitted(topic);
    await vi.waitFor(() => expect(totals(state.rows)).toEqual({ count: sender.count, sum: sender.sum }), {
      timeout: 10_000,
    });
    await worker.stop();
    expectOffsetOrder(state);
    // Batches kept queueing behind the replay while it ran.
    expect(await metric(registry, 'vantage_worker_fallback_batches_appended_total')).toBeGreaterThan(
      appendedInOutage ?? 0,
    );
  });

  it('with a full outbox it stops consuming until the probe succeeds, as without the fallback', async () => {
    const topic = new MemoryTopic();
    const state = new ClickHouseLikeState();
    const store = new ClickHouseLikeStore(state);
    const { worker, outbox, registry } = fallbackWorker(topic, store, { maxBytes: 1 });
    store.down = true;
    const sender = new Sender(topic);
    sender.send(3, 1);
    await worker.start();
    await allCommitted(topic);
    expect(outbox.size().batches).toBe(1);
    sender.send(3, 1);
    // Three probes fail (each replays the outbox's batch); nothing new was read meanwhile.
    await vi.waitFor(async () =>
      expect(await metric(registry, 'vantage_worker_fallback_replay_failures_total')).toBeGreaterThanOrEqual(
        3,
      ),
    );
    expect(topic.committed.get(0)).toBe(2);
    expect(outbox.size().batches).toBe(1);
    store.down = false;
    await allCommitted(topic);
    await vi.waitFor(() => expect(totals(state.rows)).toEqual({ count: 6, sum: 21 }));
    await worker.stop();
    expect(outbox.isEmpty).toBe(true);
  });
});
