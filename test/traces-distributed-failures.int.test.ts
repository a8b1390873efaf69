import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { eventually } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';
import { LoadClients, sleep, verdict, waitUntilStored } from './support/conservation.js';
import {
  breakerTransitions,
  expectConservation,
  failureRoleFlags,
  killCollectorRepeatedly,
  killWorkerWhileWriting,
  metricValue,
  outageWorkerFlags,
  printSummary,
  readiness,
} from './support/failure-checks.js';
import type { WorkerKill } from './support/failure-checks.js';
import { PrivateKafka } from './support/private-kafka.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';
import { SpanRequests, checkSpanIds, storedSpansPerRequest } from './support/span-conservation.js';
import type { SpanTransport } from './support/span-conservation.js';
import { TcpProxy } from './support/tcp-proxy.js';

/**
 * The failure scenarios of test/distributed-failures.int.test.ts on the spans path: OTLP exports
 * to `vantage collector`, the spans topic keyed by trace id, `vantage worker`'s span worker
 * (group `<group>-spans`) into ClickHouse, with its breaker and SQLite span outbox. Each checks
 * delivery by conservation per request (test/support/span-conservation.ts): every span answered
 * 2xx is stored exactly once, counted by span id (FINAL: the spans table collapses replays at
 * merges, and the store's reads deduplicate until then), and each trace's summary counts its
 * spans. A refused or unanswered request may be stored in part (its traces are messages of their
 * own) or twice over (a retry): a span is kept once, so neither loses or doubles a span.
 *
 * ClickHouse is cut off for the worker alone by a TCP proxy; Kafka is stopped only as a broker of
 * this file's own (PrivateKafka): the shared services keep running for every other test.
 */
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-trfail');
const spansTopic = uniqueName('vantage-trfail-spans');
const database = freshDatabaseName('vantage_trfail');
const dir = mkdtempSync(join(tmpdir(), 'vantage-trfail-'));

const SPANS_PER_REQUEST = 40;

const common = failureRoleFlags({
  brokers,
  topic,
  spansTopic,
  group: uniqueName('vantage-trfail-workers'),
  database,
});
let proxy: TcpProxy;
let workerArgs: string[];
let collectorArgs: string[];
let collector: RoleProcess;
let worker: RoleProcess;
let client: ClickHouseClient;

beforeAll(async () => {
  const target = new URL(clickHouseUrl());
  proxy = await TcpProxy.start(target.hostname, Number(target.port));
  workerArgs = [...common, ...outageWorkerFlags(proxy.url, join(dir, 'worker-outbox.db'))];
  collectorArgs = [...common, '--clickhouse-url', clickHouseUrl()];
  // The worker first: it creates the topics and migrates the schema.
  worker = await startRole('worker', workerArgs);
  collector = await startRole('collector', collectorArgs);
  client = adminClient();
}, 90_000);

afterAll(async () => {
  const codes = await Promise.all([collector, worker].filter((p) => p !== undefined).map((p) => stopRole(p)));
  await proxy?.close();
  try {
    await dropDatabase(client, database);
  } finally {
    await client.close();
  }
  await deleteTopics(brokers, [topic, spansTopic]);
  rmSync(dir, { recursive: true, force: true });
  expect(codes).toEqual(codes.map(() => 0));
}, 120_000);

/** Clients exporting spans to whichever collector `target()` names now. */
function spanLoad(
  service: string,
  transport: SpanTransport,
  target: () => string,
  options: { clients: number; pauseMs: number; retry: boolean },
): { load: LoadClients; requests: SpanRequests } {
  const requests = new SpanRequests(service, transport, { 'host.name': 'trfail-host' });
  const load = new LoadClients(target, {
    service,
    samplesPerRequest: SPANS_PER_REQUEST,
    request: requests.make,
    ...options,
  });
  return { load, requests };
}

/**
 * Waits until every acknowledged span is stored, then asserts conservation per request, by span
 * id and by trace summary; prints the figures.
 */
async function expectEverySpanOnce(
  name: string,
  db: string,
  service: string,
  spans: { load: LoadClients; requests: SpanRequests },
  extra: Record<string, unknown>,
  timeoutMs = 120_000,
): Promise<void> {
  const { load, requests } = spans;
  const { stored, drainMs } = await waitUntilStored(
    () => storedSpansPerRequest(client, db, service),
    load.sent,
    timeoutMs,
  );
  const v = verdict(load.sent, stored);
  const ids = await checkSpanIds(client, db, service, requests, load.sent);
  printSummary(
    'traces-distributed-failures',
    name,
    load.figures,
    v,
    {
      spansSent: [...load.sent.values()].reduce((n, r) => n + r.count, 0),
      refusedStoredInPart: v.refusedStored.length,
      rowsBeforeMerge: ids.rowsBeforeMerge,
      distinctSpanIds: ids.distinctSpanIds,
      tracesChecked: ids.tracesChecked,
      drainAfterLoadMs: drainMs,
      ...extra,
    },
    'spans',
  );
  expect(v.ackedRequests).toBeGreaterThan(20);
  expectConservation(v, false);
  expect(ids.repeatedSpanIds, 'span ids stored twice').toEqual([]);
  expect(ids.summaryMismatches, "trace summaries' span counts").toEqual([]);
}

function expectOnly2xxAnd503(load: LoadClients): void {
  expect(load.unexpected).toEqual([]);
  expect(load.figures.other).toBe(0);
}

describe('the distributed spans path under failures', () => {
  it('kill -9 of the worker at random points, four times: every acknowledged span stored once', async () => {
    const spans = spanLoad('trfail-worker-kill', 'json', () => collector.otlpHttp, {
      clients: 4,
      pauseMs: 10,
      retry: false,
    });
    spans.load.start();
    let kills: WorkerKill[] = [];
    try {
      kills = await killWorkerWhileWriting(
        {
          current: () => worker,
          restart: async () => (worker = await startRole('worker', workerArgs)),
        },
        'vantage_worker_spans_stored_total',
        4,
      );
      await sleep(3_000);
    } finally {
      await spans.load.stop();
    }
    expectOnly2xxAnd503(spans.load);
    expect(spans.load.figures.unanswered).toBe(0);
    await expectEverySpanOnce('worker kill -9 x4', database, 'trfail-worker-kill', spans, { kills });
  }, 300_000);

  it('kill -9 of the collector under span load: every acknowledged span stored once', async () => {
    const spans = spanLoad('trfail-collector-kill', 'protobuf', () => collector.otlpHttp, {
      clients: 4,
      pauseMs: 5,
      retry: false,
    });
    spans.load.start();
    let kills: number[] = [];
    try {
      kills = await killCollectorRepeatedly(
        {
          current: () => collector,
          restart: async () => (collector = await startRole('collector', collectorArgs)),
        },
        3,
      );
      await sleep(2_000);
    } finally {
      await spans.load.stop();
    }
    expectOnly2xxAnd503(spans.load);
    await expectEverySpanOnce('collector kill -9 x3', database, 'trfail-collector-kill', spans, {
      killDelaysMs: kills,
    });
  }, 180_000);

  it('ClickHouse unreachable: the span breaker opens, spans go to the outbox, the collector keeps accepting, the backlog drains', async () => {
    const spans = spanLoad('trfail-clickhouse', 'json', () => collector.otlpHttp, {
      clients: 2,
      pauseMs: 20,
      retry: false,
    });
    const duringOutage = { accepted: 0, other: 0 };
    let outage = false;
    spans.load.onAnswer((_r, status) => {
      if (!outage) return;
      if (status === 200) duringOutage.accepted += 1;
      else duringOutage.other += 1;
    });
    spans.load.start();
    let openedAfterMs: number | undefined;
    let outboxPeak = 0;
    let closedAfterMs: number | undefined;
    let cutAt = 0;
    let restoredAt = 0;
    try {
      await sleep(3_000);
      proxy.cut();
      cutAt = Date.now();
      outage = true;
      try {
        // Three failed writes open the breaker; then batches go to the span outbox.
        await eventually(
          async () => {
            const state = await metricValue(worker.metrics, 'vantage_worker_span_breaker_state');
            if (state === 1 && openedAfterMs === undefined) openedAfterMs = Date.now() - cutAt;
            const held = (await metricValue(worker.metrics, 'vantage_worker_span_outbox_batches')) ?? 0;
            outboxPeak = Math.max(outboxPeak, held);
            return state === 1 && held > 0 ? true : undefined;
          },
          50_000,
          'the span breaker to open and batches to go to the span outbox',
        );
        while (Date.now() - cutAt < 30_000) {
          const held = (await metricValue(worker.metrics, 'vantage_worker_span_outbox_batches')) ?? 0;
          outboxPeak = Math.max(outboxPeak, held);
          await sleep(1_000);
        }
      } finally {
        outage = false;
        proxy.restore();
        restoredAt = Date.now();
      }
      await eventually(
        async () =>
          (await metricValue(worker.metrics, 'vantage_worker_span_breaker_state')) === 0 ? true : undefined,
        60_000,
        'the span breaker to close after ClickHouse came back',
      );
      closedAfterMs = Date.now() - restoredAt;
      await sleep(2_000);
    } finally {
      await spans.load.stop();
    }
    // The backlog drains at the store's pace (a few thousand spans a second on the test's
    // ClickHouse when the machine is busy, about what the load sends), so it is awaited unloaded.
    const drainStarted = Date.now();
    await eventually(
      async () =>
        (await metricValue(worker.metrics, 'vantage_worker_span_outbox_batches')) === 0 ? true : undefined,
      120_000,
      'the span outbox to drain',
    );
    const outboxDrainedAfterLoadMs = Date.now() - drainStarted;
    expectOnly2xxAnd503(spans.load);
    expect(duringOutage.accepted).toBeGreaterThan(100);
    expect(duringOutage.other).toBe(0);
    expect(spans.load.figures.refused503 + spans.load.figures.unanswered).toBe(0);
    expect(outboxPeak).toBeGreaterThan(0);
    await expectEverySpanOnce('ClickHouse cut off 30 s', database, 'trfail-clickhouse', spans, {
      outageMs: restoredAt - cutAt,
      breakerOpenAfterMs: openedAfterMs,
      outboxBatchesPeak: outboxPeak,
      acceptedDuringOutage: duringOutage.accepted,
      notAcceptedDuringOutage: duringOutage.other,
      breakerClosedAfterRestoreMs: closedAfterMs,
      outboxDrainedAfterLoadMs,
      breakerTransitions: breakerTransitions(worker.output(), 'span store breaker'),
    });
  }, 300_000);

  describe('with Kafka stopped (a broker of this test alone)', () => {
    const kafkaDatabase = freshDatabaseName('vantage_trfail_kafka');
    let kafka: PrivateKafka | undefined;
    let kafkaCollector: RoleProcess | undefined;
    let kafkaWorker: RoleProcess | undefined;

    beforeAll(async () => {
      kafka = await PrivateKafka.start();
      const flags = [
        ...failureRoleFlags({
          brokers: kafka.brokers,
          topic,
          spansTopic,
          group: uniqueName('vantage-trfail-kafka-workers'),
          database: kafkaDatabase,
        }),
        '--clickhouse-url',
        clickHouseUrl(),
      ];
      // At info the worker logs its consumers' rebalances: what a failure below needs to be read.
      kafkaWorker = await startRole('worker', [...flags, '--log-level', 'info']);
      kafkaCollector = await startRole('collector', flags);
    }, 120_000);

    afterAll(async () => {
      const roles = [kafkaCollector, kafkaWorker].filter((p) => p !== undefined);
      const codes = await Promise.all(roles.map((p) => stopRole(p)));
      await kafka?.destroy();
      await dropDatabase(client, kafkaDatabase);
      expect(codes).toEqual(codes.map(() => 0));
    }, 120_000);

    it('/v1/traces answers 503 with Retry-After (gRPC UNAVAILABLE), and retrying clients lose nothing', async ({
      onTestFailed,
    }) => {
      onTestFailed(() =>
        console.log(`[traces-distributed-failures] the worker's log:\n${kafkaWorker?.output() ?? ''}`),
      );
      const running = (): RoleProcess => {
        if (kafkaCollector === undefined || kafka === undefined) throw new Error('not started');
        return kafkaCollector;
      };
      const http = spanLoad('trfail-kafka-http', 'json', () => running().otlpHttp, {
        clients: 3,
        pauseMs: 20,
        retry: true,
      });
      const grpc = spanLoad('trfail-kafka-grpc', 'grpc', () => running().otlpGrpc, {
        clients: 1,
        pauseMs: 20,
        retry: true,
      });
      let stoppedAt = 0;
      let kafkaDown = false;
      const acceptedSentDuringOutage = { http: 0, grpc: 0 };
      for (const [key, s] of [
        ['http', http],
        ['grpc', grpc],
      ] as const) {
        s.load.onAnswer((r, status) => {
          // Sent after the broker was gone: a 200 while it is still down acknowledges nothing.
          if (kafkaDown && r.sentAt > stoppedAt && status === 200) acceptedSentDuringOutage[key] += 1;
        });
      }
      http.load.start();
      grpc.load.start();
      let downReady: { status: number; checks: Record<string, string> } | undefined;
      let readyAgainMs: number | undefined;
      let startedAt = 0;
      try {
        await sleep(3_000);
        try {
          await kafka?.stopBroker();
          stoppedAt = Date.now();
          kafkaDown = true;
          downReady = await eventually(
            async () => {
              const r = await readiness(running().url);
              return r.status === 503 ? r : undefined;
            },
            20_000,
            "the collector's /ready to say Kafka is down",
          );
          await sleep(Math.max(0, 20_000 - (Date.now() - stoppedAt)));
        } finally {
          kafkaDown = false;
          await kafka?.startBroker();
          startedAt = Date.now();
        }
        await eventually(
          async () => ((await readiness(running().url)).status === 200 ? true : undefined),
          30_000,
          "the collector's /ready to see Kafka again",
        );
        readyAgainMs = Date.now() - startedAt;
        await sleep(5_000);
      } finally {
        await Promise.all([http.load.stop(), grpc.load.stop()]);
      }
      const stillRefused = (f: LoadClients): number =>
        [...f.sent.values()].filter((r) => r.status === 'refused').length;
      const outage = {
        outageMs: startedAt - stoppedAt,
        readyDuringOutage: downReady,
        collectorReadyAfterRestartMs: readyAgainMs,
      };
      for (const [key, s] of [
        ['http', http],
        ['grpc', grpc],
      ] as const) {
        expectOnly2xxAnd503(s.load);
        expect(s.load.figures.unanswered).toBe(0);
        expect(s.load.figures.refused503, `${key}: refusals while Kafka was down`).toBeGreaterThan(0);
        expect(s.load.figures.retryAfterMissing, `${key}: refusals without Retry-After`).toBe(0);
        expect(s.load.figures.refusedBy['VTG_INGEST_BUS_UNAVAILABLE'] ?? 0).toBeGreaterThan(0);
        expect(acceptedSentDuringOutage[key]).toBe(0);
        await expectEverySpanOnce(`Kafka stopped ~20 s, ${key}`, kafkaDatabase, `trfail-kafka-${key}`, s, {
          ...outage,
          acceptedWhileKafkaDown: acceptedSentDuringOutage[key],
          requestsStillRefusedWhenLoadStopped: stillRefused(s.load),
        });
      }
      expect(downReady?.checks.bus).toMatch(/Kafka unreachable/);
    }, 300_000);
  });
});
