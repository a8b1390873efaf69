import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeSpanBatch } from '../core/index.js';
import type { Span } from '../core/index.js';
import { EmbeddedConsumer, EmbeddedProducer, SegmentLog } from '../bus/index.js';
import { SpanOutbox, SqliteTraceStore } from '../storage/index.js';
import type { TraceStore } from '../storage/index.js';
import { makeTraces } from '../../test/support/trace-fixtures.js';
import { SpanWorker } from './span-worker.js';
import type { SpanWorkerOptions } from './span-worker.js';
import { createSpanWorkerMetrics } from './span-worker-metrics.js';
import type { SpanWorkerMetrics } from './span-worker-metrics.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const BACKOFF = { initialDelayMs: 5, maxDelayMs: 20, maxAttempts: Infinity, jitter: 0 };
const OPTIONS: SpanWorkerOptions = {
  busName: 'embedded',
  batchMaxMessages: 50,
  lingerMs: 5,
  backoff: BACKOFF,
};
const GROUP = 'spans-worker';

/** A trace store that is away while `down` says so (our own interface, faked in front of a real one). */
class Flaky implements TraceStore {
  down = false;
  failures = 0;
  /** The spans of each write that reached the store. */
  readonly writes: (readonly Span[])[] = [];
  constructor(private readonly inner: TraceStore) {}
  async writeSpans(spans: readonly Span[]) {
    if (this.down) {
      this.failures += 1;
      throw new Error('the store is away');
    }
    this.writes.push(spans);
    return this.inner.writeSpans(spans);
  }
  trace = (id: string) => this.inner.trace(id);
  searchTraces = (q: Parameters<TraceStore['searchTraces']>[0]) => this.inner.searchTraces(q);
  serviceCalls = (from: number, to: number) => this.inner.serviceCalls(from, to);
  traceServices = () => this.inner.traceServices();
  operations = (s: string) => this.inner.operations(s);
  applyTraceRetention = (now: number) => this.inner.applyTraceRetention(now);
}

/** Waits for `check`; a condition that never comes fails the test instead of hanging it. */
async function until(check: () => boolean | Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

let dir: string;
let log: SegmentLog;
let store: SqliteTraceStore;
let metrics: SpanWorkerMetrics;
const spans = makeTraces(40, T0, 1000);

async function publishInBatches(list: readonly Span[], size: number): Promise<number> {
  const producer = new EmbeddedProducer(log);
  let n = 0;
  for (let i = 0; i < list.length; i += size) {
    await producer.publish(encodeSpanBatch(list.slice(i, i + size)));
    n += 1;
  }
  return n;
}

async function storedSpans(): Promise<number> {
  const traces = await store.searchTraces({ from: T0 - 1, to: T0 + 3_600_000, limit: 1000 });
  return traces.reduce((n, t) => n + t.spanCount, 0);
}

/** A span worker of group `group` on the test's bus, started. */
async function startWorker(
  into: TraceStore,
  options: Partial<SpanWorkerOptions> = {},
  group = GROUP,
): Promise<SpanWorker> {
  const consumer = await EmbeddedConsumer.open(log, group);
  const worker = new SpanWorker(consumer, into, metrics, pino({ level: 'silent' }), {
    ...OPTIONS,
    ...options,
  });
  worker.start();
  return worker;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-span-worker-'));
  log = await SegmentLog.open({ dir: join(dir, 'spans-bus') });
  store = new SqliteTraceStore({
    path: join(dir, 'traces.db'),
    retention: { spansMs: 1e13, summariesMs: 1e13 },
  });
  metrics = createSpanWorkerMetrics(new Registry());
});

afterEach(async () => {
  await log.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('SpanWorker', () => {
  it('stores every span from the bus and commits after the write', async () => {
    const messages = await publishInBatches(spans, 37);
    const worker = await startWorker(store);
    await until(async () => (await storedSpans()) === spans.length);
    await worker.stop();
    expect((await metrics.messagesConsumed.get()).values[0]?.value).toBe(messages);
    // A second consumer of the group starts after the commit: nothing is read again.
    const again = await EmbeddedConsumer.open(log, GROUP);
    expect(await again.poll(10, 0)).toEqual([]);
  });

  it('stores each span once when the bus is read again from the start (a crash before the commit)', async () => {
    await publishInBatches(spans, 50);
    const first = await startWorker(store, {}, 'group-a');
    await until(async () => (await storedSpans()) === spans.length);
    await first.stop();
    // Another group reads everything again, as a worker killed before its commit would.
    const second = await startWorker(store, {}, 'group-b');
    await until(
      async () =>
        (await metrics.messagesConsumed.get()).values[0]?.value === 2 * Math.ceil(spans.length / 50),
    );
    await second.stop();
    expect(await storedSpans()).toBe(spans.length);
    expect((await metrics.spansStored.get()).values[0]?.value).toBe(spans.length);
  });

  it('skips an undecodable message and dead-letters a span the store cannot hold, then goes on', async () => {
    const producer = new EmbeddedProducer(log);
    await producer.publish(Buffer.from('not a span batch'));
    const bad = { ...spans[0]!, traceId: 'nope' };
    await producer.publish(encodeSpanBatch([bad, ...spans.slice(1, 10)]));
    const worker = await startWorker(store);
    await until(async () => (await metrics.spansStored.get()).values[0]?.value === 9);
    await worker.stop();
    expect((await metrics.decodeFailures.get()).values[0]?.value).toBe(1);
    expect((await metrics.deadLetters.get()).values[0]?.value).toBe(1);
    expect(store.spanDeadLetters()[0]?.reason).toBe('traceId is not 32 lower-case hex digits');
  });

  it('keeps retrying through an outage without committing, then stores everything once', async () => {
    const flaky = new Flaky(store);
    flaky.down = true;
    await publishInBatches(spans, 40);
    const worker = await startWorker(flaky, {
      breaker: { failureThreshold: 3, probeIntervalMs: 20 },
    });
    await until(() => worker.breakerState === 'open');
    expect(worker.problem).toBe('the store is away');
    // Nothing was committed while the store was away.
    expect(await (await EmbeddedConsumer.open(log, GROUP)).poll(100, 0)).toHaveLength(
      Math.ceil(spans.length / 40),
    );
    flaky.down = false;
    await until(async () => (await storedSpans()) === spans.length);
    await worker.stop();
    expect(worker.breakerState).toBe('closed');
  });

  it('with a fallback outbox: consumes and commits into it while the store is away, replays it after', async () => {
    const flaky = new Flaky(store);
    flaky.down = true;
    const outbox = new SpanOutbox(join(dir, 'outbox.db'));
    const messages = await publishInBatches(spans, 30);
    const worker = await startWorker(flaky, {
      breaker: { failureThreshold: 2, probeIntervalMs: 50 },
      fallback: { outbox, maxBytes: 1e9 },
    });
    await until(async () => (await metrics.messagesConsumed.get()).values[0]?.value === messages);
    // Consumed (and committed) into the outbox while the store was away.
    expect(outbox.batches).toBeGreaterThan(0);
    expect(await storedSpans()).toBe(0);
    flaky.down = false;
    await until(() => outbox.batches === 0);
    await worker.stop();
    expect(await (await EmbeddedConsumer.open(log, GROUP)).poll(100, 0)).toEqual([]);
    expect(await storedSpans()).toBe(spans.length);
    outbox.close();
  });

  it('replays a backlog of small outbox batches in few writes, and writes new batches beside it', async () => {
    const flaky = new Flaky(store);
    const outbox = new SpanOutbox(join(dir, 'outbox.db'));
    // A backlog as an outage leaves it, one small batch per poll and partition: two replays' worth.
    const replayMaxSpans = 150;
    const backlog = makeTraces(30, T0, 1000);
    expect(backlog.length).toBeGreaterThan(replayMaxSpans);
    expect(backlog.length).toBeLessThanOrEqual(2 * replayMaxSpans);
    for (let i = 0; i < backlog.length; i += 10) {
      const batch = backlog.slice(i, i + 10);
      outbox.append(encodeSpanBatch(batch), batch.length);
    }
    const backlogBatches = outbox.batches;
    // Within storedSpans()'s window, after the backlog's traces.
    const fresh = makeTraces(6, T0 + 600_000, 1000, 7);
    const freshIds = new Set(fresh.map((s) => s.traceId));
    await publishInBatches(fresh, 20);
    const worker = await startWorker(flaky, {
      breaker: { failureThreshold: 2, probeIntervalMs: 50 },
      fallback: { outbox, maxBytes: 1e9 },
      replayMaxSpans,
    });
    await until(() => outbox.batches === 0);
    await until(async () => (await storedSpans()) === backlog.length + fresh.length);
    await worker.stop();
    outbox.close();
    const isFresh = (w: readonly Span[]): boolean => w.some((s) => freshIds.has(s.traceId));
    const replays = flaky.writes.filter((w) => !isFresh(w));
    expect(replays.map((w) => w.length)).toEqual([
      expect.any(Number),
      backlog.length - (replays[0]?.length ?? 0),
    ]);
    expect(replays[0]?.length).toBeLessThanOrEqual(replayMaxSpans);
    expect(replays.length).toBeLessThan(backlogBatches);
    // The fresh spans went to the store between the two replays, not into the outbox behind them.
    const firstFresh = flaky.writes.findIndex(isFresh);
    expect(firstFresh).toBeGreaterThan(0);
    expect(firstFresh).toBeLessThan(flaky.writes.indexOf(replays[1] ?? []));
    expect(flaky.writes.filter(isFresh).flat()).toHaveLength(fresh.length);
  });
});
