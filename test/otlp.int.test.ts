import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportWith, sdkMeter } from './support/otlp-sdk.js';
import type { OtlpFormat, Temporality } from './support/otlp-sdk.js';
import { eventually, timeseries } from './support/http.js';
import { VENV_PYTHON } from './support/prometheus-client-app.js';
import { REPO_ROOT, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * Real OpenTelemetry clients against the built `vantage start` on its OTLP ports, with an API key:
 * the JS SDK's own exporters (protobuf and JSON over HTTP, gRPC), the Python SDK's OTLP/HTTP
 * exporter, and telemetrygen over HTTP and gRPC, sending counters, up-down counters, gauges and
 * histograms; what the query API answers is compared with what was recorded, exactly.
 */
const KEY = 'otlp-test-key-0123456789abcdefghijklmnop';
const AUTH = { authorization: `Bearer ${KEY}` };
let dir: string;
let vantage: VantageProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-otlp-'));
  vantage = await startVantageProcess(dir, ['--worker-linger', '20ms', '--api-keys', KEY]);
}, 60_000);

afterAll(async () => {
  vantage?.child.kill('SIGTERM');
  await vantage?.exited;
  rmSync(dir, { recursive: true, force: true });
});

/** The sum of every minute's value of one series over the last half hour. */
async function total(
  service: string,
  metric: string,
  agg: string,
  tags?: string,
): Promise<number | undefined> {
  const series = await timeseries(
    vantage.api,
    {
      service,
      metric,
      from: '-30m',
      to: '+1m',
      step: '1m',
      agg,
      ...(tags ? { tags } : {}),
    },
    AUTH,
  ).catch(() => []);
  if (series.length !== 1) return undefined;
  return (series[0]?.points ?? []).reduce((sum, [, v]) => sum + v, 0);
}

/** The last minute's value. */
async function last(service: string, metric: string, agg: string): Promise<number | undefined> {
  const series = await timeseries(
    vantage.api,
    { service, metric, from: '-30m', to: '+1m', step: '1m', agg },
    AUTH,
  ).catch(() => []);
  return series[0]?.points.at(-1)?.[1];
}

async function expectStored(
  read: () => Promise<number | undefined>,
  want: number,
  what: string,
): Promise<void> {
  const got = await eventually(
    async () => {
      const v = await read();
      return v !== undefined && Math.abs(v - want) < 1e-9 ? v : undefined;
    },
    20_000,
    `${what} = ${want} (last read ${String(await read())})`,
  );
  expect(got).toBeCloseTo(want, 9);
}

/**
 * What both SDKs' applications record (two collections): counters eu 5 then +3, us 2; an up-down
 * counter 7 then -4; a gauge 20 then 21.5; a histogram of 5, 50, then 500, 5000.
 */
async function expectRecorded(service: string): Promise<void> {
  // Counters: per-minute increases adding up to what was counted, the first total included (its
  // start time says the counter began just now).
  await expectStored(() => total(service, 'orders', 'sum', 'region:eu'), 8, 'orders{region=eu}');
  await expectStored(() => total(service, 'orders', 'sum', 'region:us'), 2, 'orders{region=us}');
  // Up-down counters and gauges: levels.
  await expectStored(() => last(service, 'queue.depth', 'last'), 3, 'queue.depth');
  await expectStored(() => last(service, 'temperature', 'last'), 21.5, 'temperature');
  // Histograms: every observation counted once, with its sum, whether sent as running totals or deltas.
  await expectStored(() => total(service, 'latency', 'count'), 4, 'latency count');
  await expectStored(() => total(service, 'latency', 'sum'), 5555, 'latency sum');
  const tags = await timeseries(
    vantage.api,
    {
      service,
      metric: 'orders',
      from: '-30m',
      to: '+1m',
      step: '1m',
      agg: 'sum',
      group_by: 'region,deployment.environment',
    },
    AUTH,
  );
  expect(tags.map((s) => s.tags).sort((a, b) => String(a.region).localeCompare(String(b.region)))).toEqual([
    { region: 'eu', 'deployment.environment': 'test' },
    { region: 'us', 'deployment.environment': 'test' },
  ]);
}

const urlFor = (format: OtlpFormat): string =>
  format === 'grpc' ? `http://${vantage.otlpGrpc}` : `${vantage.otlpHttp}/v1/metrics`;

const cases: [OtlpFormat, Temporality][] = [
  ['protobuf', 'cumulative'],
  ['json', 'cumulative'],
  ['grpc', 'cumulative'],
  ['protobuf', 'delta'],
];

describe.each(cases)('the JS SDK over OTLP %s, %s temporality', (format, temporality) => {
  const service = `js-${format}-${temporality}`;
  const send = async (sdk: ReturnType<typeof sdkMeter>): Promise<void> => {
    const result = await exportWith(format, urlFor(format), await sdk.collect(), {
      gzip: format !== 'json',
      headers: AUTH,
    });
    expect(result.error).toBeUndefined();
    expect(result.code).toBe(0);
  };

  it('stores counters, up-down counters, gauges and histograms as recorded', async () => {
    const sdk = sdkMeter({ 'service.name': service, 'deployment.environment': 'test' }, { temporality });
    const { meter } = sdk;
    const orders = meter.createCounter('orders');
    const depth = meter.createUpDownCounter('queue.depth');
    const temperature = meter.createGauge('temperature');
    const latency = meter.createHistogram('latency', {
      advice: { explicitBucketBoundaries: [10, 100, 1000] },
    });

    orders.add(5, { region: 'eu' });
    orders.add(2, { region: 'us' });
    depth.add(7);
    temperature.record(20);
    for (const v of [5, 50]) latency.record(v);
    await send(sdk);

    orders.add(3, { region: 'eu' });
    depth.add(-4);
    temperature.record(21.5);
    for (const v of [500, 5000]) latency.record(v);
    await send(sdk);
    await sdk.shutdown();

    await expectRecorded(service);
  }, 60_000);
});

describe('the Python SDK over OTLP/HTTP protobuf (gzip)', () => {
  it.each(['cumulative', 'delta'] as const)(
    'stores what it records, %s temporality',
    async (temporality) => {
      const service = `py-${temporality}`;
      const run = spawnSync(
        VENV_PYTHON,
        [
          join(REPO_ROOT, 'test', 'support', 'otel_python_app.py'),
          `${vantage.otlpHttp}/v1/metrics`,
          KEY,
          service,
          temporality,
        ],
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
      await expectRecorded(service);
    },
    90_000,
  );
});

describe('telemetrygen, the OpenTelemetry Collector load generator', () => {
  const TELEMETRYGEN = join(REPO_ROOT, '.cache', 'go-bin', 'telemetrygen');

  function telemetrygen(transport: 'http' | 'grpc', type: string, service: string): void {
    expect(existsSync(TELEMETRYGEN), 'build it: bash scripts/install-telemetrygen.sh').toBe(true);
    const endpoint = transport === 'http' ? new URL(vantage.otlpHttp).host : vantage.otlpGrpc;
    const run = spawnSync(
      TELEMETRYGEN,
      [
        'metrics',
        '--otlp-endpoint',
        endpoint,
        '--otlp-insecure',
        ...(transport === 'http' ? ['--otlp-http'] : []),
        '--otlp-header',
        `authorization="Bearer ${KEY}"`,
        '--service',
        service,
        '--metric-type',
        type,
        '--aggregation-temporality',
        'delta',
        '--metrics',
        '5',
        '--rate',
        '0',
        '--trace-id',
        '0123456789abcdef0123456789abcdef',
        '--span-id',
        '0123456789abcdef',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, run.stderr.slice(-2000)).toBe(0);
  }

  // telemetrygen's point i (0..4) is a Sum and a Gauge of value i, and the i-th of its fixed
  // histogram samples (their counts add up to 50 and their sums to 22879).
  it.each(['http', 'grpc'] as const)(
    'sends sums, gauges and histograms over %s',
    async (transport) => {
      telemetrygen(transport, 'Sum', `tg-${transport}-sum`);
      telemetrygen(transport, 'Gauge', `tg-${transport}-gauge`);
      telemetrygen(transport, 'Histogram', `tg-${transport}-histogram`);
      await expectStored(() => total(`tg-${transport}-sum`, 'gen', 'sum'), 10, 'gen sum');
      await expectStored(() => total(`tg-${transport}-sum`, 'gen', 'count'), 5, 'gen points');
      await expectStored(() => last(`tg-${transport}-gauge`, 'gen', 'last'), 4, 'gen gauge');
      await expectStored(() => total(`tg-${transport}-histogram`, 'gen', 'count'), 50, 'gen histogram count');
      await expectStored(() => total(`tg-${transport}-histogram`, 'gen', 'sum'), 22879, 'gen histogram sum');
    },
    90_000,
  );
});

describe('OTLP refusals through the real server', () => {
  it('refuses an export without the key, metrics and traces alike', async () => {
    const sdk = sdkMeter({ 'service.name': 'js-no-key' });
    sdk.meter.createCounter('c').add(1);
    const result = await exportWith('protobuf', `${vantage.otlpHttp}/v1/metrics`, await sdk.collect());
    await sdk.shutdown();
    expect(result.code).toBe(1);
    const traces = await fetch(`${vantage.otlpHttp}/v1/traces`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(traces.status).toBe(401);
    expect(((await traces.json()) as { error: { code: string } }).error.code).toBe('VTG_AUTH_MISSING_KEY');
  });

  it('answers partial_success for points the pipeline refuses, and keeps the rest', async () => {
    const now = BigInt(Date.now()) * 1_000_000n;
    const point = (time: bigint, value: number) => ({ timeUnixNano: String(time), asDouble: value });
    const body = {
      resourceMetrics: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'json-partial' } }] },
          scopeMetrics: [
            {
              metrics: [
                {
                  name: 'level',
                  gauge: { dataPoints: [point(now, 4), point(now - 30n * 86_400_000_000_000n, 1)] },
                },
              ],
            },
          ],
        },
      ],
    };
    const res = await fetch(`${vantage.otlpHttp}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${KEY}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      partialSuccess: { rejectedDataPoints: string; errorMessage: string };
    };
    expect(answer.partialSuccess.rejectedDataPoints).toBe('1');
    expect(answer.partialSuccess.errorMessage).toContain('VTG_INGEST_TIMESTAMP_TOO_OLD');
    await expectStored(() => last('json-partial', 'level', 'last'), 4, 'level');
  });
});
