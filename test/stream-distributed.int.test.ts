import { execFile } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { postMetrics } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';
import { StreamTestClient, streamUrl } from './support/stream-client.js';
import { CLI } from './support/vantage-process.js';

/**
 * The live stream of `vantage api` in distributed mode: fed by a Kafka tail of its own, a point a
 * `vantage collector` process accepted reaches a WebSocket client, with no worker involved.
 */
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-stream');
const database = freshDatabaseName('vantage_stream');
const clickhouse = [
  '--clickhouse-url',
  clickHouseUrl(),
  '--clickhouse-database',
  database,
  '--log-level',
  'warn',
];
const kafka = ['--kafka-brokers', brokers.join(','), '--kafka-topic', topic];

let collector: RoleProcess;
let api: RoleProcess;
let apiWithoutKafka: RoleProcess;
const clients: StreamTestClient[] = [];

function migrate(): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI, 'migrate', ...clickhouse], (err, _out, stderr) =>
      err ? reject(new Error(`vantage migrate failed: ${stderr}`)) : resolve(),
    ),
  );
}

beforeAll(async () => {
  await migrate();
  // The collector creates the topic; the API's tail then starts at its end.
  collector = await startRole('collector', [...kafka, '--log-level', 'warn']);
  [api, apiWithoutKafka] = await Promise.all([
    startRole('api', [...kafka, ...clickhouse]),
    startRole('api', clickhouse),
  ]);
}, 90_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  const codes = await Promise.all(
    [collector, api, apiWithoutKafka].filter((p) => p !== undefined).map((p) => stopRole(p)),
  );
  const client = adminClient();
  try {
    await dropDatabase(client, database);
  } finally {
    await client.close();
  }
  await deleteTopics(brokers, [topic]);
  expect(codes).toEqual(codes.map(() => 0));
}, 60_000);

describe('the live stream, distributed', () => {
  it('delivers a point the collector published on Kafka', async () => {
    const client = await StreamTestClient.open(streamUrl(api.url));
    clients.push(client);
    await client.subscribe('pay', { service: 'checkout', tags: { route: '/pay' } });
    const res = await postMetrics(collector.url, [
      { service: 'checkout', name: 'latency_ms', value: 42, tags: { route: '/pay' } },
      { service: 'checkout', name: 'latency_ms', value: 99, tags: { route: '/cart' } },
    ]);
    expect(res.status).toBe(202);
    await client.waitFor((m) => m.type === 'data', 'a data message');
    expect(client.points('pay')).toEqual([
      expect.objectContaining({
        service: 'checkout',
        metric: 'latency_ms',
        tags: { route: '/pay' },
        count: 1,
        last: 42,
      }),
    ]);
  });

  it('answers 503 on an API started without --kafka-brokers, and still serves queries', async () => {
    const refusal = await StreamTestClient.refusal(streamUrl(apiWithoutKafka.url));
    expect(refusal.status).toBe(503);
    expect(refusal.body.error?.code).toBe('VTG_STREAM_UNAVAILABLE');
    expect((await fetch(`${apiWithoutKafka.url}/v1/services`)).status).toBe(200);
  });
});
