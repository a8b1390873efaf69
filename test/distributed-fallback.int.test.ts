import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import Sqlite from 'better-sqlite3';
import { dedupToken } from '../src/storage/clickhouse/rows.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName, scalar } from './support/clickhouse.js';
import { eventually, timeseries } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';
import { LoadClients, sleep, storedPerRequest, verdict, waitForDrain } from './support/conservation.js';
import type { SentRequest, Verdict } from './support/conservation.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';
import { TcpProxy } from './support/tcp-proxy.js';
import { failureRoleFlags, outageWorkerFlags } from './support/failure-checks.js';

/**
 * Scenario 1 of test/distributed-failures.int.test.ts (ClickHouse unreachable under steady load)
 * with the SQLite fallback on: the worker keeps consuming into its outbox, the query API answers
 * with the outbox's data, and on recovery the outbox replays into ClickHouse, interrupted once by
 * kill -9 and finished by the restarted worker. ClickHouse is cut off for the worker alone, by a
 * TCP proxy in front of the shared server (other tests use that server; it is never stopped).
 * The outage begins as the worst case for the API's merge: the worker's inserts reach ClickHouse
 * but their answers are lost until the breaker opens, so the batch it then diverts to the outbox
 * is in ClickHouse too. Delivery is checked by conservation per request, in ClickHouse and in the
 * API's answers.
 */
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-fallback');
const database = freshDatabaseName('vantage_fallback');
const dir = mkdtempSync(join(tmpdir(), 'vantage-fallback-int-'));
const outboxPath = join(dir, 'worker-outbox.db');
const OUTAGE_MS = 40_000;
const METRIC = 'work_ms';

const common = failureRoleFlags({
  brokers,
  topic,
  group: uniqueName('vantage-fallback-workers'),
  database,
});

let proxy: TcpProxy;
let worker: RoleProcess;
let collector: RoleProcess;
let api: RoleProcess;
let client: ClickHouseClient;
let workerArgs: string[];

beforeAll(async () => {
  const target = new URL(clickHouseUrl());
  proxy = await TcpProxy.start(target.hostname, Number(target.port));
  workerArgs = [...common, ...outageWorkerFlags(proxy.url, outboxPath)];
  worker = await startRole('worker', workerArgs);
  collector = await startRole('collector', common);
  api = await startRole('api', [
    ...common,
    '--clickhouse-url',
    clickHouseUrl(),
    '--fallback',
    'sqlite',
    '--fallback-path',
    outboxPath,
  ]);
  client = adminClient();
}, 120_000);

afterAll(async () => {
  const codes = await Promise.all(
    [api, collector, worker].filter((p) => p !== undefined).map((p) => stopRole(p)),
  );
  await proxy?.close();
  try {
    await dropDatabase(client, database);
  } finally {
    await client.close();
  }
  await deleteTopics(brokers, [topic]);
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual(codes.map(() => 0));
}, 120_000);

/** An insert into the minute table (not a checkpoint, not a read), as the proxy sees it. */
function isDataInsert(requestLine: string): boolean {
  return requestLine.includes(`INSERT INTO ${database}.metrics `);
}

/** The outbox's first batch (the one diverted when the breaker opened): its token and samples. */
function firstOutboxBatch(): { token: string; samples: number } {
  const db = new Sqlite(outboxPath, { readonly: true, fileMustExist: true });
  try {
    const b = db
      .prepare(
        'SELECT source, partition, end_offset AS offset, samples FROM outbox_batch ORDER BY id LIMIT 1',
      )
      .get() as { source: string; partition: number; offset: number; samples: number };
    return { token: dedupToken([b]) ?? '', samples: b.samples };
  } finally {
    db.close();
  }
}

/** Sum of every series of a metric on a /metrics page (one per partition, say). */
async function metricSum(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(url)).text();
  const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  if (lines.length === 0) return undefined;
  return lines.reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** Count and sum per request as the query API answers them (ClickHouse plus the outbox). */
async function answeredPerRequest(
  service: string,
  from: number,
): Promise<Map<string, { count: number; sum: number }>> {
  const params = {
    service,
    metric: METRIC,
    from: String(from - (from % 60_000)),
    to: String(Date.now() + 120_000),
    step: '1m',
    group_by: 'req',
  };
  const [counts, sums] = await Promise.all([
    timeseries(api.url, { ...params, agg: 'count' }),
    timeseries(api.url, { ...params, agg: 'sum' }),
  ]);
  const out = new Map<string, { count: number; sum: number }>();
  for (const s of counts) {
    const req = s.tags.req ?? '';
    out.set(req, { count: s.points.reduce((n, [, v]) => n + v, 0), sum: 0 });
  }
  for (const s of sums) {
    const entry = out.get(s.tags.req ?? '');
    if (entry) entry.sum = s.points.reduce((n, [, v]) => n + v, 0);
  }
  return out;
}

function expectConservation(v: Verdict, where: string): void {
  expect(v.lost, `${where}: acknowledged requests lost`).toEqual([]);
  expect(v.duplicated, `${where}: requests stored more than once`).toEqual([]);
  expect(v.refusedStored, `${where}: requests refused with 503 yet stored`).toEqual([]);
  expect(v.unansweredPartial, `${where}: unanswered requests stored in part`).toEqual([]);
  expect(v.storedSamples, where).toBe(v.ackedSamples);
  expect(v.storedSum, where).toBe(v.ackedSum);
}

function total(stored: ReadonlyMap<string, { count: number }>): number {
  let n = 0;
  for (const s of stored.values()) n += s.count;
  return n;
}

function figures(v: Verdict): Record<string, number> {
  return {
    requestsAcknowledged: v.ackedRequests,
    samplesAcknowledged: v.ackedSamples,
    samplesStored: v.storedSamples,
    unansweredStoredWhole: v.unansweredStored,
    unansweredNotStored: v.unansweredMissing,
  };
}

describe('distributed mode with the SQLite fallback', () => {
  it('ClickHouse unreachable for the worker 40 s under load: consumes into the outbox, answers from it, replays with kill -9 midway, no loss, no duplicates', async () => {
    const started = Date.now();
    const outage = new LoadClients(() => collector.url, {
      service: 'fallback-outage',
      clients: 4,
      samplesPerRequest: 50,
      pauseMs: 20,
      retry: false,
    });
    const answers = { duringOutage202: 0, duringOutageOther: 0 };
    let cut = false;
    outage.onAnswer((_r, status) => {
      if (!cut) return;
      if (status === 202) answers.duringOutage202 += 1;
      else answers.duringOutageOther += 1;
    });
    const peak = { lagMessages: 0, outboxBatches: 0, outboxRows: 0, outboxBytes: 0 };
    const sample = async (): Promise<void> => {
      const read = async (name: string): Promise<number> => (await metricSum(worker.metrics, name)) ?? 0;
      peak.lagMessages = Math.max(peak.lagMessages, await read('vantage_worker_kafka_consumer_lag_messages'));
      peak.outboxBatches = Math.max(peak.outboxBatches, await read('vantage_worker_fallback_outbox_batches'));
      peak.outboxRows = Math.max(peak.outboxRows, await read('vantage_worker_fallback_outbox_rows'));
      peak.outboxBytes = Math.max(peak.outboxBytes, await read('vantage_worker_fallback_outbox_bytes'));
    };

    outage.start();
    await sleep(3_000);
    // First the inserts reach ClickHouse and their answers are lost, until the breaker opens;
    // then ClickHouse is cut off altogether.
    proxy.loseAnswersTo = isDataInsert;
    cut = true;
    const cutAt = Date.now();
    let openedAfterMs = 0;
    let ready: { status: number; body: string } | undefined;
    try {
      await eventually(
        async () =>
          (await metricSum(worker.metrics, 'vantage_worker_circuit_breaker_state')) === 1 ? true : undefined,
        30_000,
        'the breaker to open',
      );
      proxy.cut();
      proxy.loseAnswersTo = undefined;
      openedAfterMs = Date.now() - cutAt;
      const res = await fetch(`${worker.url}/ready`);
      ready = { status: res.status, body: await res.text() };
      while (Date.now() - cutAt < OUTAGE_MS) {
        await sample();
        await sleep(500);
      }
    } finally {
      await outage.stop();
    }

    // Still cut off: everything acknowledged is in ClickHouse (before the cut) or in the outbox,
    // and the API's answers hold all of it, exactly once.
    const outageAcked = [...outage.sent.values()].filter((r) => r.status === 'acked');
    const apiDuringOutage = await eventually(
      async () => {
        const got = await answeredPerRequest('fallback-outage', started);
        const v = verdict(outage.sent, got);
        return v.lost.length === 0 ? { got, v } : undefined;
      },
      60_000,
      "the API's answers to include every acknowledged request",
    );
    await sample();
    const inClickHouseDuringOutage = total(await storedPerRequest(client, database, 'fallback-outage'));
    const outboxSamples = (await metricSum(worker.metrics, 'vantage_worker_fallback_outbox_samples')) ?? 0;
    const diverted = firstOutboxBatch();
    const divertedRowsInClickHouse = await scalar(
      client,
      `SELECT count() FROM ${database}.metrics WHERE batch_token = {token:String}`,
      { token: diverted.token },
    );
    const services = (await (await fetch(`${api.url}/v1/services`)).json()) as {
      services: { name: string }[];
    };
    const metrics = (await (await fetch(`${api.url}/v1/metrics?service=fallback-outage`)).json()) as {
      metrics: { name: string }[];
    };

    // Recovery under a second load, with slow inserts so the replay can be interrupted.
    const recovery = new LoadClients(() => collector.url, {
      service: 'fallback-recovery',
      clients: 4,
      samplesPerRequest: 50,
      pauseMs: 20,
      retry: false,
    });
    recovery.start();
    const kill = { replayedBeforeKill: 0, outboxBatchesAtKill: 0, restartMs: 0 };
    let drainedAfterMs = 0;
    let restoredAt = 0;
    try {
      proxy.latencyMs = 50;
      proxy.restore();
      cut = false;
      restoredAt = Date.now();
      await eventually(
        async () => {
          const replayed =
            (await metricSum(worker.metrics, 'vantage_worker_fallback_batches_replayed_total')) ?? 0;
          const left = (await metricSum(worker.metrics, 'vantage_worker_fallback_outbox_batches')) ?? 0;
          if (replayed < 1 || left < 1) return undefined;
          kill.replayedBeforeKill = replayed;
          kill.outboxBatchesAtKill = left;
          return true;
        },
        60_000,
        'the replay to be under way',
      );
      worker.child.kill('SIGKILL');
      expect(await worker.exited).toBe('SIGKILL');
      const restart = Date.now();
      worker = await startRole('worker', workerArgs, 60_000);
      kill.restartMs = Date.now() - restart;
      await eventually(
        async () =>
          (await metricSum(worker.metrics, 'vantage_worker_fallback_outbox_batches')) === 0
            ? true
            : undefined,
        120_000,
        'the restarted worker to empty the outbox',
      );
      drainedAfterMs = Date.now() - restoredAt;
      proxy.latencyMs = 0;
      await sleep(3_000);
    } finally {
      await recovery.stop();
      proxy.latencyMs = 0;
    }
    const breakerAtEnd = await metricSum(worker.metrics, 'vantage_worker_circuit_breaker_state');

    const a = await waitForDrain(client, database, 'fallback-outage', outage.sent, 120_000);
    const b = await waitForDrain(client, database, 'fallback-recovery', recovery.sent, 120_000);
    const outageVerdict = verdict(outage.sent, a.stored);
    const recoveryVerdict = verdict(recovery.sent, b.stored);
    // With the outbox empty the API answers from ClickHouse alone: nothing counted twice.
    const apiAfter = verdict(outage.sent, await answeredPerRequest('fallback-outage', started));
    console.log(
      `[distributed-fallback] ClickHouse cut off for the worker ${OUTAGE_MS / 1000} s: ${JSON.stringify({
        breakerOpenAfterMs: openedAfterMs,
        workerReadyDuringOutage: ready?.status,
        answersDuringOutage: answers,
        peakDuringOutage: peak,
        samplesAcknowledgedByEndOfOutage: outageAcked.reduce((n, r: SentRequest) => n + r.count, 0),
        samplesInClickHouseAtEndOfOutage: inClickHouseDuringOutage,
        samplesInOutboxAtEndOfOutage: outboxSamples,
        samplesAnsweredByApiAtEndOfOutage: apiDuringOutage.v.storedSamples,
        divertedBatchInBoth: { samples: diverted.samples, rowsInClickHouse: divertedRowsInClickHouse },
        kill,
        outboxDrainedAfterRestoreMs: drainedAfterMs,
        outage: figures(outageVerdict),
        recovery: figures(recoveryVerdict),
        apiAfterDrain: figures(apiAfter),
      })}`,
    );

    expect(answers.duringOutage202).toBeGreaterThan(100);
    expect(answers.duringOutageOther).toBe(0);
    expect(ready?.status).toBe(503);
    expect(ready?.body).toMatch(/circuit breaker open.*batches in the fallback outbox/);
    // The worker kept consuming: the outbox held the outage, and Kafka's lag stayed small.
    expect(outboxSamples).toBeGreaterThan(0);
    // The batch diverted when the breaker opened is in ClickHouse and in the outbox: the API
    // counts it once.
    expect(divertedRowsInClickHouse).toBeGreaterThan(0);
    expect(diverted.samples).toBeGreaterThan(0);
    expect(inClickHouseDuringOutage + outboxSamples - diverted.samples).toBe(apiDuringOutage.v.storedSamples);
    expect(inClickHouseDuringOutage).toBeLessThan(apiDuringOutage.v.ackedSamples);
    expectConservation(apiDuringOutage.v, 'API during the outage');
    expect(services.services.map((s) => s.name)).toContain('fallback-outage');
    expect(metrics.metrics.map((m) => m.name)).toEqual([METRIC]);
    expect(kill.outboxBatchesAtKill).toBeGreaterThan(0);
    expect(breakerAtEnd).toBe(0);
    for (const load of [outage, recovery]) {
      expect(load.unexpected).toEqual([]);
      expect(load.figures.refused503 + load.figures.unanswered).toBe(0);
    }
    expect(recoveryVerdict.ackedRequests).toBeGreaterThan(50);
    expectConservation(outageVerdict, 'ClickHouse, outage load');
    expectConservation(recoveryVerdict, 'ClickHouse, recovery load');
    expectConservation(apiAfter, 'API after the drain');
  }, 420_000);
});
