import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MINUTE_MS } from '../src/core/index.js';
import { eventually, timeseries } from './support/http.js';
import { startPrometheusClientApp } from './support/prometheus-client-app.js';
import type { PrometheusClientApp } from './support/prometheus-client-app.js';
import { CLI, NODE_FLAGS, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * `vantage agent --scrape` (the built CLI) scraping a Python prometheus-client app (OpenMetrics) and
 * Vantage's own collector /metrics (prom-client, text 0.0.4, from a --scrape-config file), shipping
 * into a real embedded Vantage. The test changes the app's counters and the collector's, keeps the
 * truth per minute, and reads the per-minute increases back from the query API.
 */
let dir: string;
let vantage: VantageProcess;
let app: PrometheusClientApp;
let agent: ChildProcess;
let agentOutput = '';
let agentMetrics = '';

/** Truth: series -> minute -> increase. */
const truth = new Map<string, Map<number, number>>();
function record(series: string, by: number): void {
  const minute = Math.floor(Date.now() / MINUTE_MS) * MINUTE_MS;
  const perMinute = truth.get(series) ?? new Map<number, number>();
  perMinute.set(minute, (perMinute.get(minute) ?? 0) + by);
  truth.set(series, perMinute);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Changes are made early enough in a minute that the scrapes seeing them (1 s apart) fall in the
 * same minute, so the truth per minute is exact.
 */
async function inSafeWindow(latestSecond = 45): Promise<void> {
  while (Date.now() % MINUTE_MS < 1_000 || Date.now() % MINUTE_MS > latestSecond * 1_000) await sleep(250);
}

/** Waits until the app has served `n` more scrapes: the last of them started after any change before. */
async function scrapesPass(n = 3): Promise<void> {
  const count = async () => Number(await (await fetch(`${app.base}/scrapes`)).text());
  const target = (await count()) + n;
  await eventually(
    async () => ((await count()) >= target ? true : undefined),
    20_000,
    `${n} scrapes of the app`,
  );
}

const post = async (path: string) => {
  const res = await fetch(`${app.base}${path}`, { method: 'POST' });
  expect(res.status).toBe(204);
};
/** A request the collector refuses with 400: it counts in vantage_collector_requests_total{status="400"}. */
const badRequest = async () => {
  const res = await fetch(`${vantage.collector}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{"metrics": "no"}',
  });
  expect(res.status).toBe(400);
};

/** A query over the whole test, minute by minute. */
function query(service: string, metric: string, agg: string): Record<string, string> {
  return { service, metric, from: '-30m', to: '+1m', step: '1m', agg };
}

/** The values of every minute of one series. */
async function values(params: Record<string, string>): Promise<number[]> {
  const series = await timeseries(vantage.api, params);
  expect(series).toHaveLength(1);
  return (series[0]?.points ?? []).map(([, v]) => v);
}

/** Non-zero per-minute increases of one series as stored (a minute with no change holds a 0). */
async function increases(service: string, metric: string, tags: string): Promise<Map<number, number>> {
  const series = await timeseries(vantage.api, {
    ...query(service, metric, 'sum'),
    ...(tags ? { tags } : {}),
  });
  const out = new Map<number, number>();
  for (const s of series) for (const [t, v] of s.points) if (v !== 0) out.set(t, (out.get(t) ?? 0) + v);
  return out;
}

async function expectIncreases(service: string, metric: string, tags: string, key: string): Promise<void> {
  const expected = [...(truth.get(key) ?? new Map<number, number>())].sort(([a], [b]) => a - b);
  expect(expected.length).toBeGreaterThan(0);
  const stored = await eventually(
    async () => {
      const got = [...(await increases(service, metric, tags))].sort(([a], [b]) => a - b);
      const same =
        got.length === expected.length &&
        got.every(([t, v], i) => t === expected[i]?.[0] && Math.abs(v - (expected[i]?.[1] ?? NaN)) < 1e-9);
      return same ? got : undefined;
    },
    20_000,
    `${metric}{${tags}} per minute = ${JSON.stringify(expected)}; last stored ${JSON.stringify([...(await increases(service, metric, tags))])}`,
  );
  expect(stored).toEqual(expected.map(([t, v]) => [t, expect.closeTo(v, 9)]));
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-agent-scrape-'));
  vantage = await startVantageProcess(dir, ['--worker-linger', '20ms']);
  app = await startPrometheusClientApp();

  // Baselines, there before the agent first looks: none of this is an increase.
  await post('/orders?region=eu&by=7');
  await post('/latency?value=0.05');
  await badRequest();

  const targetsFile = join(dir, 'targets.json');
  writeFileSync(
    targetsFile,
    JSON.stringify([
      { targets: [new URL(vantage.collector).host], labels: { job: 'vantage', team: 'platform' } },
    ]),
  );
  agent = spawn(
    process.execPath,
    [
      ...NODE_FLAGS,
      CLI,
      'agent',
      '--endpoint',
      vantage.collector,
      '--metrics-port',
      '0',
      '--interval',
      '1s',
      '--scrape',
      `shop=${app.base}/metrics`,
      '--scrape',
      `vantage-api=${vantage.apiMetrics}`,
      '--scrape-config',
      targetsFile,
      '--scrape-interval',
      '1s',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  agent.stdout?.on('data', (d: Buffer) => (agentOutput += d.toString()));
  agent.stderr?.on('data', (d: Buffer) => (agentOutput += d.toString()));
  agentMetrics = await eventually(
    async () => {
      if (agent.exitCode !== null) throw new Error(`agent exited:\n${agentOutput}`);
      const line = agentOutput.split('\n').find((l) => l.includes('"agent started"'));
      return line ? `${(JSON.parse(line) as { metrics: string }).metrics}` : undefined;
    },
    20_000,
    'the agent to start',
  );
  await scrapesPass(2);
}, 60_000);

afterAll(async () => {
  if (agent && agent.exitCode === null) {
    const exited = new Promise((r) => agent.once('exit', r));
    agent.kill('SIGTERM');
    await exited;
  }
  await app?.stop();
  vantage?.child.kill('SIGTERM');
  await vantage?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe('vantage agent --scrape end to end', () => {
  it("ships a prometheus-client app's counters as per-minute increases, through a restart of the app", async () => {
    await inSafeWindow();
    await post('/orders?region=eu&by=5');
    record('eu', 5);
    // A label set born after the agent started: OpenMetrics' _created says all of it is new.
    await post('/orders?region=us&by=4');
    record('us', 4);
    await post('/latency?value=0.3');
    await post('/latency?value=0.7');
    record('le=0.5', 1);
    record('le=1.0', 2);
    record('latency_count', 2);
    record('latency_sum', 1);
    await post('/payload?value=100');
    record('payload_count', 1);
    await post('/temperature?value=21.5');
    for (let i = 0; i < 3; i++) await badRequest();
    record('status=400', 3);
    await scrapesPass();

    // The app restarts on the same port: its counters start again from 0 (a reset).
    await inSafeWindow(35);
    await app.stop();
    await eventually(
      async () =>
        /vantage_agent_scrapes_total\{outcome="unreachable"/.test(await agentText()) ? true : undefined,
      20_000,
      'the agent to see the app down',
    );
    app = await startPrometheusClientApp(app.port);
    await post('/orders?region=eu&by=2');
    record('eu', 2);
    await scrapesPass();

    await inSafeWindow();
    await post('/orders?region=eu&by=1');
    record('eu', 1);
    for (let i = 0; i < 2; i++) await badRequest();
    record('status=400', 2);
    await scrapesPass();

    await expectIncreases('shop', 'shop_orders_total', 'region:eu', 'eu');
    await expectIncreases('shop', 'shop_orders_total', 'region:us', 'us');
    await expectIncreases('shop', 'shop_latency_seconds_bucket', 'le:0.5', 'le=0.5');
    await expectIncreases('shop', 'shop_latency_seconds_bucket', 'le:1.0', 'le=1.0');
    await expectIncreases('shop', 'shop_latency_seconds_count', '', 'latency_count');
    await expectIncreases('shop', 'shop_latency_seconds_sum', '', 'latency_sum');
    await expectIncreases('shop', 'shop_payload_bytes_count', '', 'payload_count');
  }, 240_000);

  it('ships gauges as read, and up per target: 0 while the app was down', async () => {
    // Set to 21.5 once; the restarted app reads 0 again, and so does the last scrape.
    expect(Math.max(...(await values(query('shop', 'shop_temperature_celsius', 'max'))))).toBe(21.5);
    expect((await values(query('shop', 'shop_temperature_celsius', 'last'))).at(-1)).toBe(0);
    expect(Math.min(...(await values(query('shop', 'up', 'min'))))).toBe(0);
    expect(Math.max(...(await values(query('shop', 'up', 'max'))))).toBe(1);
    const durations = await values(query('shop', 'scrape_duration_seconds', 'count'));
    expect(durations.reduce((a, b) => a + b, 0)).toBeGreaterThan(3);
  });

  it("scrapes Vantage's own /metrics (text 0.0.4) with the file's job and labels", async () => {
    await expectIncreases('vantage', 'vantage_collector_requests_total', 'status:400', 'status=400');
    const direct = await (await fetch(`${vantage.collector}/metrics`)).text();
    const start = Number(/^vantage_process_start_time_seconds\{role="collector"\} (\S+)$/m.exec(direct)?.[1]);
    const series = await timeseries(vantage.api, {
      ...query('vantage', 'vantage_process_start_time_seconds', 'last'),
      group_by: 'team,role,instance',
      tags: 'role:collector',
    });
    expect(series.map((s) => s.tags)).toEqual([
      { team: 'platform', role: 'collector', instance: new URL(vantage.collector).host },
    ]);
    expect(series[0]?.points.at(-1)?.[1]).toBe(start);
    // The second --scrape flag: the query API's /metrics, under its own job.
    expect(Math.min(...(await values(query('vantage-api', 'up', 'min'))))).toBe(1);
  });

  it("counts in the agent's own metrics what it scraped, and the exemplars it could not ship", async () => {
    const text = await agentText();
    expect(text).toMatch(/^vantage_agent_scrape_targets\{role="agent"\} 3$/m);
    expect(
      Number(/^vantage_agent_scrapes_total\{outcome="ok",role="agent"\} (\d+)/m.exec(text)?.[1]),
    ).toBeGreaterThan(10);
    expect(
      Number(/^vantage_agent_scrape_exemplars_dropped_total\{role="agent"\} (\d+)/m.exec(text)?.[1]),
    ).toBeGreaterThan(0);
    expect(
      Number(/^vantage_agent_scrape_counter_series\{role="agent"\} (\d+)/m.exec(text)?.[1]),
    ).toBeGreaterThan(0);
  });
});

async function agentText(): Promise<string> {
  return (await fetch(agentMetrics)).text();
}
