/**
 * The span worker against a real ClickHouse that goes away: an insert whose answer is lost (it
 * took effect, the worker never heard), then an outage during which the worker consumes into its
 * SQLite span outbox and commits, then the replay. Every span is stored once.
 *
 *   eval "$(bash scripts/services.sh env)" && export CLICKHOUSE_URL
 *   npx vitest run --project integration test/span-worker-clickhouse.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeSpanBatch } from '../src/core/index.js';
import { EmbeddedConsumer, EmbeddedProducer, SegmentLog } from '../src/bus/index.js';
import { ClickHouseTraceStore, SpanOutbox } from '../src/storage/index.js';
import { SpanWorker, createSpanWorkerMetrics } from '../src/worker/index.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { eventually } from './support/http.js';
import { makeTraces } from './support/trace-fixtures.js';

const T0 = Date.UTC(2026, 11, 1, 12, 0, 0);
const FOREVER = { spansMs: 1e13, summariesMs: 1e13 };
const spans = makeTraces(400, T0, 1000);
const BATCH = 100;

let dir: string;
let database: string;
let proxy: TcpProxy;
let direct: ClickHouseTraceStore;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-span-ch-'));
  database = freshDatabaseName('vantage_spans');
  direct = new ClickHouseTraceStore({ url: clickHouseUrl(), database, retention: FOREVER });
  await direct.migrate();
  const url = new URL(clickHouseUrl());
  proxy = await TcpProxy.start(url.hostname, Number(url.port));
});

afterAll(async () => {
  await direct?.close();
  await proxy?.close();
  const admin = adminClient();
  await dropDatabase(admin, database);
  await admin.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the span worker when ClickHouse goes away', () => {
  it('loses nothing and stores nothing twice', async () => {
    const log = await SegmentLog.open({ dir: join(dir, 'spans-bus') });
    const producer = new EmbeddedProducer(log);
    const half = Math.floor(spans.length / 2 / BATCH) * BATCH;
    for (let i = 0; i < half; i += BATCH) await producer.publish(encodeSpanBatch(spans.slice(i, i + BATCH)));
    const outbox = new SpanOutbox(join(dir, 'span-outbox.db'));
    const metrics = createSpanWorkerMetrics(new Registry());
    const viaProxy = new ClickHouseTraceStore({
      url: proxy.url,
      database,
      retention: FOREVER,
      requestTimeoutMs: 3_000,
    });
    // The first insert reaches ClickHouse and its answer is lost: the worker retries it.
    let lost = 0;
    proxy.loseAnswersTo = (line) => line.includes('INSERT') && lost++ === 0;
    const worker = new SpanWorker(
      await EmbeddedConsumer.open(log, 'w'),
      viaProxy,
      metrics,
      pino({ level: 'silent' }),
      {
        busName: 'embedded',
        batchMaxMessages: 2,
        lingerMs: 5,
        backoff: { initialDelayMs: 20, maxDelayMs: 100, maxAttempts: Infinity, jitter: 0 },
        breaker: { failureThreshold: 3, probeIntervalMs: 300 },
        fallback: { outbox, maxBytes: 1e9 },
      },
    );
    worker.start();
    await eventually(
      async () =>
        (await metrics.messagesConsumed.get()).values[0]?.value === half / BATCH ? true : undefined,
      60_000,
      'the first half written',
    );
    expect(lost).toBeGreaterThan(0);
    // The outage: the second half goes to the outbox, and is committed.
    proxy.cut();
    for (let i = half; i < spans.length; i += BATCH)
      await producer.publish(encodeSpanBatch(spans.slice(i, i + BATCH)));
    await eventually(
      async () =>
        (await metrics.messagesConsumed.get()).values[0]?.value === Math.ceil(spans.length / BATCH)
          ? true
          : undefined,
      60_000,
      'everything consumed into the outbox',
    );
    expect(outbox.batches).toBeGreaterThan(0);
    proxy.restore();
    await eventually(async () => (outbox.batches === 0 ? true : undefined), 60_000, 'the outbox replayed');
    await worker.stop();
    await viaProxy.close();
    outbox.close();
    await log.close();

    const summaries = await direct.searchTraces({ from: T0 - 1, to: T0 + 3_600_000, limit: 1000 });
    expect(summaries).toHaveLength(400);
    expect(summaries.reduce((n, t) => n + t.spanCount, 0)).toBe(spans.length);
    const admin = adminClient();
    const distinct = await scalar(admin, `SELECT uniqExact(trace_id, span_id) FROM ${database}.spans`);
    await admin.close();
    expect(distinct).toBe(spans.length);
    const one = await direct.trace(spans[0]!.traceId);
    expect(one).toHaveLength(spans.filter((s) => s.traceId === spans[0]!.traceId).length);
  });
});
