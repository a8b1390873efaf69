import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, timeseries } from './support/http.js';
import { exportWith, sdkMeter } from './support/otlp-sdk.js';
import type { OtlpFormat } from './support/otlp-sdk.js';
import { DistributedRoles } from './support/distributed-roles.js';
import type { RoleProcess } from './support/role-process.js';

/**
 * `vantage collector` (Kafka) serves OTLP too: the JS SDK's protobuf and gRPC exporters send to a
 * distributed collector, and the API answers from ClickHouse what was recorded, running totals
 * turned into increases by the worker.
 */
const roles = new DistributedRoles('otlp');

beforeAll(() => roles.start(), 90_000);

afterAll(async () => {
  const codes = await roles.stop();
  expect(codes).toEqual(codes.map(() => 0));
}, 60_000);

async function total(service: string, metric: string, agg: string): Promise<number | undefined> {
  const series = await timeseries((roles.api as RoleProcess).url, {
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
    const url =
      format === 'grpc' ? `http://${roles.collector.otlpGrpc}` : `${roles.collector.otlpHttp}/v1/metrics`;
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
