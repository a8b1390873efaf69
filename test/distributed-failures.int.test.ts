import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClickHouseClient } from '@clickhouse/client';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { eventually } from './support/http.js';
import { deleteTopics, kafkaBrokers, services, uniqueName } from './support/kafka.js';
import { LoadClients, sleep, verdict, waitForDrain } from './support/conservation.js';
import type { LoadFigures, Verdict } from './support/conservation.js';
import {
  breakerTransitions,
  expectConservation,
  failureRoleFlags,
  killCollectorRepeatedly,
  killWorkerWhileWriting,
  metricValue,
  printSummary,
  readiness,
} from './support/failure-checks.js';
import type { WorkerKill } from './support/failure-checks.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';

/**
 * The failure scenarios of distributed mode (issue 3), on the real roles as processes, a real
 * Kafka broker and a real ClickHouse engine that the tests stop and start. Each checks delivery
 * by conservation, per request: every sample that got a 202 is stored exactly once (less is loss,
 * more is duplication); a request refused with 503 is not stored; one that got no answer is
 * stored whole or not at all. Each prints one summary line of the figures it proves.
 */
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-fail');
const database = freshDatabaseName('vantage_fail');
const common = [
  ...failureRoleFlags({ brokers, topic, group: uniqueName('vantage-fail-workers'), database }),
  '--clickhouse-url',
  clickHouseUrl(),
];
// A short probe interval keeps the outage test near three minutes; the outage itself is 60 s.
const workerArgs = [...common, '--breaker-probe-interval', '5s', '--breaker-failures', '3'];

let collector: RoleProcess;
let worker: RoleProcess;
let client: ClickHouseClient;

beforeAll(async () => {
  // The worker first: it creates the topic and migrates the schema.
  worker = await startRole('worker', workerArgs);
  collector = await startRole('collector', common);
  client = adminClient();
}, 90_000);

afterAll(async () => {
  // Whatever a test did, both services run again for the next file.
  await services('start', 'kafka').catch(() => undefined);
  await services('start', 'clickhouse').catch(() => undefined);
  const codes = await Promise.all([collector, worker].filter((p) => p !== undefined).map((p) => stopRole(p)));
  try {
    await dropDatabase(client, database);
  } finally {
    await client.close();
  }
  await deleteTopics(brokers, [topic]);
  expect(codes).toEqual(codes.map(() => 0));
}, 120_000);

function summary(name: string, load: LoadFigures, v: Verdict, extra: Record<string, unknown>): void {
  printSummary('distributed-failures', name, load, v, extra);
}

describe('distributed mode under failures', () => {
  it('scenario 3: kill -9 of the worker at random points, four times: no loss, no duplicates', async () => {
    const load = new LoadClients(() => collector.url, {
      service: 'fail-worker-kill',
      clients: 4,
      samplesPerRequest: 50,
      pauseMs: 10,
      retry: false,
    });
    load.start();
    let kills: WorkerKill[] = [];
    try {
      kills = await killWorkerWhileWriting(
        {
          current: () => worker,
          restart: async () => (worker = await startRole('worker', workerArgs)),
        },
        'vantage_worker_samples_stored_total',
        4,
      );
      await sleep(3_000);
    } finally {
      await load.stop();
    }
    expect(load.unexpected).toEqual([]);
    expect(load.figures.unanswered).toBe(0);
    const { stored, drainMs } = await waitForDrain(client, database, 'fail-worker-kill', load.sent, 120_000);
    const v = verdict(load.sent, stored);
    summary('worker kill -9 x4', load.figures, v, {
      kills,
      drainAfterLoadMs: drainMs,
    });
    expect(v.ackedRequests).toBeGreaterThan(50);
    expectConservation(v);
  }, 300_000);

  it('scenario 4: kill -9 of the collector under load: every 202 is stored, once', async () => {
    const load = new LoadClients(() => collector.url, {
      service: 'fail-collector-kill',
      clients: 4,
      samplesPerRequest: 50,
      pauseMs: 5,
      retry: false,
    });
    load.start();
    let kills: number[] = [];
    try {
      kills = await killCollectorRepeatedly(
        {
          current: () => collector,
          restart: async () => (collector = await startRole('collector', common)),
        },
        3,
      );
      await sleep(2_000);
    } finally {
      await load.stop();
    }
    expect(load.unexpected).toEqual([]);
    const { stored, drainMs } = await waitForDrain(
      client,
      database,
      'fail-collector-kill',
      load.sent,
      90_000,
    );
    const v = verdict(load.sent, stored);
    summary('collector kill -9 x3', load.figures, v, { killDelaysMs: kills, drainAfterLoadMs: drainMs });
    expect(v.ackedRequests).toBeGreaterThan(50);
    expectConservation(v);
  }, 180_000);

  it('scenario 1: ClickHouse unreachable for 60 s: breaker opens, collector keeps accepting, backlog drains', async () => {
    const load = new LoadClients(() => collector.url, {
      service: 'fail-clickhouse',
      clients: 4,
      samplesPerRequest: 50,
      pauseMs: 20,
      retry: false,
    });
    const duringOutage = { accepted: 0, other: 0 };
    let outage = false;
    load.onAnswer((_r, status) => {
      if (!outage) return;
      if (status === 202) duringOutage.accepted += 1;
      else duringOutage.other += 1;
    });
    load.start();
    let opened: number | undefined;
    let notReady: { status: number; checks: Record<string, string> } | undefined;
    let closedAfterMs: number | undefined;
    let stoppedAt = 0;
    let startedAt = 0;
    try {
      await sleep(3_000);
      await services('stop', 'clickhouse');
      stoppedAt = Date.now();
      outage = true;
      try {
        // The breaker opens after three failed writes and /ready says why.
        await eventually(
          async () => {
            const state = await metricValue(worker.metrics, 'vantage_worker_circuit_breaker_state');
            if (state === 1 && opened === undefined) opened = Date.now() - stoppedAt;
            const r = await readiness(worker.url);
            if (state === 1 && r.status === 503) notReady = r;
            return notReady;
          },
          50_000,
          'the breaker to open and /ready to say 503',
        );
        await sleep(Math.max(0, 60_000 - (Date.now() - stoppedAt)));
      } finally {
        outage = false;
        await services('start', 'clickhouse');
        startedAt = Date.now();
      }
      await eventually(
        async () =>
          (await metricValue(worker.metrics, 'vantage_worker_circuit_breaker_state')) === 0
            ? true
            : undefined,
        60_000,
        'the breaker to close after ClickHouse came back',
      );
      closedAfterMs = Date.now() - startedAt;
      await sleep(2_000);
    } finally {
      await load.stop();
    }
    const { stored, drainMs } = await waitForDrain(client, database, 'fail-clickhouse', load.sent, 120_000);
    const v = verdict(load.sent, stored);
    summary('ClickHouse down 60 s', load.figures, v, {
      outageMs: startedAt - stoppedAt,
      breakerOpenAfterMs: opened,
      readyDuringOutage: notReady,
      acceptedDuringOutage: duringOutage.accepted,
      notAcceptedDuringOutage: duringOutage.other,
      breakerClosedAfterRestartMs: closedAfterMs,
      breakerTransitions: breakerTransitions(worker.output()),
      drainAfterLoadStoppedMs: drainMs,
    });
    expect(notReady?.checks.store).toMatch(/circuit breaker/);
    expect(duringOutage.accepted).toBeGreaterThan(100);
    expect(duringOutage.other).toBe(0);
    expect(load.unexpected).toEqual([]);
    expect(load.figures.refused503 + load.figures.unanswered).toBe(0);
    expectConservation(v);
  }, 300_000);

  it('scenario 2: Kafka stopped: 503 with Retry-After, /ready down, a retrying client loses nothing', async ({
    onTestFailed,
  }) => {
    onTestFailed(() => console.log(`[distributed-failures] the collector's log:\n${collector.output()}`));
    const load = new LoadClients(() => collector.url, {
      service: 'fail-kafka',
      clients: 4,
      samplesPerRequest: 50,
      pauseMs: 20,
      retry: true,
    });
    let stoppedAt = 0;
    let acceptedSentDuringOutage = 0;
    let downReady: { status: number; checks: Record<string, string> } | undefined;
    let burst: Promise<void> | undefined;
    let bufferRejections: number | undefined;
    let readyAgainMs: number | undefined;
    let kafkaDown = false;
    load.onAnswer((r, status) => {
      // A request that left after the broker was gone cannot be in Kafka before it is back: a 202
      // for it while the broker is still down would be an acknowledgement of nothing.
      if (kafkaDown && r.sentAt > stoppedAt && status === 202) acceptedSentDuringOutage += 1;
    });
    load.start();
    let startedAt = 0;
    try {
      await sleep(3_000);
      try {
        await services('stop', 'kafka');
        stoppedAt = Date.now();
        kafkaDown = true;
        downReady = await eventually(
          async () => {
            const r = await readiness(collector.url);
            return r.status === 503 ? r : undefined;
          },
          20_000,
          "the collector's /ready to say Kafka is down",
        );
        // More samples at once than the collector's default buffer (10,000) holds.
        burst = load.burst(30, 500);
        await sleep(Math.max(0, 25_000 - (Date.now() - stoppedAt)));
      } finally {
        kafkaDown = false;
        await services('start', 'kafka');
        startedAt = Date.now();
      }
      bufferRejections = await metricValue(
        `${collector.url}/metrics`,
        'vantage_collector_buffer_rejections_total',
      );
      await eventually(
        async () => ((await readiness(collector.url)).status === 200 ? true : undefined),
        30_000,
        "the collector's /ready to see Kafka again",
      );
      readyAgainMs = Date.now() - startedAt;
      await sleep(5_000);
    } finally {
      await load.stop();
      await burst;
    }
    const { stored, drainMs } = await waitForDrain(client, database, 'fail-kafka', load.sent, 120_000);
    const v = verdict(load.sent, stored);
    const refusedAtEnd = [...load.sent.values()].filter((r) => r.status === 'refused').length;
    summary('Kafka stopped ~25 s', load.figures, v, {
      outageMs: startedAt - stoppedAt,
      readyDuringOutage: downReady,
      acceptedWhileKafkaDown: acceptedSentDuringOutage,
      bufferRejections,
      collectorReadyAfterRestartMs: readyAgainMs,
      requestsStillRefusedWhenLoadStopped: refusedAtEnd,
      drainAfterLoadStoppedMs: drainMs,
    });
    expect(downReady?.checks.bus).toMatch(/Kafka unreachable/);
    expect(acceptedSentDuringOutage).toBe(0);
    expect(load.figures.refused503).toBeGreaterThan(0);
    expect(load.figures.retryAfterMissing).toBe(0);
    expect(load.figures.refusedBy['VTG_INGEST_OVERLOADED'] ?? 0).toBeGreaterThan(0);
    expect(load.figures.refusedBy['VTG_INGEST_BUS_UNAVAILABLE'] ?? 0).toBeGreaterThan(0);
    expect(load.unexpected).toEqual([]);
    expect(load.figures.unanswered).toBe(0);
    expectConservation(v);
  }, 300_000);
});
