import { afterAll, describe, expect, it } from 'vitest';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { eventually, postMetrics } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';

/**
 * Issue 10, "a stuck pipeline is never hidden", on Kafka: a `vantage collector` whose topic holds
 * data no worker commits (none runs) turns unready after --stall-after, with the backlog in
 * messages, read from the workers' consumer group through Kafka's admin API; starting the worker
 * clears it, and the backlog drains to nothing.
 */
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-stall');
const database = freshDatabaseName('vantage_stall');
const common = [
  '--kafka-brokers',
  brokers.join(','),
  '--kafka-topic',
  topic,
  '--kafka-group',
  uniqueName('vantage-stall-workers'),
  '--clickhouse-url',
  clickHouseUrl(),
  '--clickhouse-database',
  database,
  '--rate-limit-per-minute',
  '1000000',
  '--worker-linger',
  '50ms',
  '--stall-after',
  '3s',
  '--log-level',
  'warn',
];
const started: RoleProcess[] = [];

afterAll(async () => {
  const codes = await Promise.all(started.map((p) => stopRole(p)));
  const client = adminClient();
  try {
    await dropDatabase(client, database);
  } finally {
    await client.close();
  }
  await deleteTopics(brokers, [topic]);
  expect(codes).toEqual(codes.map(() => 0));
}, 60_000);

interface ReadyBody {
  error?: { code: string };
  details?: { pipeline?: { backlog: number; backlogUnit: string; stalledSeconds: number } };
}

async function ready(url: string): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${url}/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

async function gauge(url: string, name: string): Promise<number | undefined> {
  const text = await (await fetch(`${url}/metrics`)).text();
  // `name{role="collector"} 5.2`: the role registry labels every metric.
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a stuck pipeline on Kafka', () => {
  it('makes the collector unready while no worker commits, and ready again once one does', async () => {
    const collector = await startRole('collector', common);
    started.push(collector);
    const now = Date.now();
    for (let i = 0; i < 5; i++) {
      const res = await postMetrics(collector.url, [
        { service: 'stall', name: 'requests', value: i, timestamp: now - 60_000 + i },
      ]);
      expect(res.status).toBe(202);
    }

    const stalled = await eventually(
      async () => {
        const r = await ready(collector.url);
        return r.status === 503 ? r.body : undefined;
      },
      30_000,
      'the collector to turn unready',
    );
    expect(stalled.error?.code).toBe('VTG_PIPELINE_STALLED');
    expect(stalled.details?.pipeline?.backlogUnit).toBe('messages');
    // Each request became one message (the collector publishes a flush per request when idle).
    expect(stalled.details?.pipeline?.backlog).toBeGreaterThanOrEqual(1);
    expect(stalled.details?.pipeline?.stalledSeconds).toBeGreaterThanOrEqual(3);
    expect(await gauge(collector.url, 'vantage_collector_pipeline_stalled_seconds')).toBeGreaterThanOrEqual(
      3,
    );

    started.push(await startRole('worker', common));
    await eventually(
      async () => ((await ready(collector.url)).status === 200 ? true : undefined),
      30_000,
      'the collector to be ready again',
    );
    await eventually(
      async () =>
        (await gauge(collector.url, 'vantage_collector_pipeline_backlog_messages')) === 0 ? true : undefined,
      30_000,
      'the backlog to drain',
    );
    expect(await gauge(collector.url, 'vantage_collector_pipeline_stalled_seconds')).toBe(0);
  });
});
