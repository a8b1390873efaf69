import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { eventually, timeseries } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';
import { exportWith, sdkMeter } from './support/otlp-sdk.js';
import type { OtlpFormat } from './support/otlp-sdk.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';

/**
 * `vantage collector` (Kafka) serves OTLP too: the JS SDK's protobuf and gRPC exporters send to a
 * distributed collector, and the API answers from ClickHouse what was recorded, running totals
 * turned into increases by the worker.
 */
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-otlp');
const database = freshDatabaseName('vantage_otlp');
const common = [
  '--kafka-brokers',
  brokers.join(','),
  '--kafka-topic',
  topic,
  '--kafka-group',
  uniqueName('vantage-otlp-workers'),
  '--clickhouse-url',
  clickHouseUrl(),
  '--clickhouse-database',
  database,
  '--worker-linger',
  '50ms',
  '--log-level',
  'warn',
];

let collector: RoleProcess;
let worker: RoleProcess;
let api: RoleProcess;

beforeAll(async () => {
  // The worker first: it creates the topic and migrates the schema the API reads.
  worker = await startRole('worker', common);
  [collector, api] = await Promise.all([startRole('collector', common), startRole('api', common)]);
}, 90_000);

afterAll(async () => {
  const codes = await Promise.all(
    [collector, worker, api].filter((p) => p !== undefined).map((p) => stopRole(p)),
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

async function total(service: string, metric: string, agg: string): Promise<number | undefined> {
  const series = await timeseries(api.url, {
    service,
    metric,
    from: '-30m',
    to: '+1m',
    step: '1m',
    agg,
  }).catch(() => []);
  return series.length === 1 ? series[0]?.points.reduce((sum, [, v]) => sum + v, 0) : undefined;
}

describe.each(['protobuf', 'grpc'] as OtlpFormat[])('vantage collector over OTLP %s', (format) => {
  it('stores counters and histograms from the JS SDK', async () => {
    const service = `dist-${format}`;
    const sdk = sdkMeter({ 'service.name': service });
    const orders = sdk.meter.createCounter('orders');
    const latency = sdk.meter.createHistogram('latency');
    const url = format === 'grpc' ? `http://${collector.otlpGrpc}` : `${collector.otlpHttp}/v1/metrics`;
    orders.add(4);
    latency.record(10);
    expect((await exportWith(format, url, await sdk.collect())).code).toBe(0);
    orders.add(6);
    latency.record(30);
    expect((await exportWith(format, url, await sdk.collect())).code).toBe(0);
    await sdk.shutdown();
    const read = async () => [
      await total(service, 'orders', 'sum'),
      await total(service, 'latency', 'count'),
      await total(service, 'latency', 'sum'),
    ];
    const stored = await eventually(
      async () => {
        const got = await read();
        return got[0] === 10 && got[1] === 2 && got[2] === 40 ? got : undefined;
      },
      30_000,
      `orders 10, latency count 2 and sum 40 (last read ${JSON.stringify(await read())})`,
    );
    expect(stored).toEqual([10, 2, 40]);
  }, 60_000);
});
