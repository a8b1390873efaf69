import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatusResponse } from '../src/core/index.js';
import { eventually, postMetrics } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * The query cache and the pipeline status on `vantage start` as a user runs it: real ports, a
 * real SQLite file, the worker in its thread.
 */
let dir: string;
let vantage: VantageProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-cache-int-'));
  vantage = await startVantageProcess(dir, ['--rate-limit-per-minute', '100000', '--worker-linger', '20ms']);
});

afterAll(async () => {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

interface VqlAnswer {
  cache: string | null;
  rows: unknown[][];
  cached: boolean;
}

// A fixed window that reaches past now: one cache key for the whole test, and the live time to live.
const FROM = new Date(Date.now() - 30 * 60_000).toISOString();
const TO = new Date(Date.now() + 9 * 60_000).toISOString();
const TOTAL = `SELECT sum(value), count(value) FROM metrics WHERE service_name = 'cache-it' AND metric_name = 'orders' AND timestamp BETWEEN '${FROM}' AND '${TO}'`;

async function total(): Promise<VqlAnswer> {
  const res = await fetch(`${vantage.api}/v1/query`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ vql: TOTAL }),
  });
  const body = (await res.json()) as { rows: unknown[][]; stats: { cached: boolean } };
  expect(res.status, JSON.stringify(body)).toBe(200);
  return { cache: res.headers.get('x-vantage-cache'), rows: body.rows, cached: body.stats.cached };
}

/** Sends one sample and waits until the worker has stored it. */
async function sendAndStore(value: number): Promise<void> {
  const stored = await promValue(vantage.workerMetrics, 'vantage_worker_samples_stored_total');
  const res = await postMetrics(vantage.collector, [
    // Older than the live window (2 min): a late sample, which only the write's news can show.
    { service: 'cache-it', name: 'orders', value, timestamp: Date.now() - 10 * 60_000 },
  ]);
  expect(res.status).toBe(202);
  await eventually(async () =>
    (await promValue(vantage.workerMetrics, 'vantage_worker_samples_stored_total')) > stored
      ? true
      : undefined,
  );
}

async function promValue(url: string, name: string): Promise<number> {
  const text = await (await fetch(url)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

describe('the query cache on a running Vantage', () => {
  it('answers a repeated query from the cache, and from the store once the worker stored new data in its range', async () => {
    await sendAndStore(5);
    const first = await total();
    expect(first).toEqual({ cache: 'miss', rows: [[5, 1]], cached: false });
    expect(await total()).toEqual({ cache: 'hit', rows: [[5, 1]], cached: true });

    // The worker thread tells the API what it stored: the cached answer is stale at once.
    await sendAndStore(7);
    expect(await total()).toEqual({ cache: 'miss', rows: [[12, 2]], cached: false });
    expect(await total()).toEqual({ cache: 'hit', rows: [[12, 2]], cached: true });

    expect(await promValue(vantage.apiMetrics, 'vantage_api_query_cache_misses_total')).toBe(2);
    expect(await promValue(vantage.apiMetrics, 'vantage_api_query_cache_hits_total')).toBeGreaterThanOrEqual(
      2,
    );
    expect(await promValue(vantage.apiMetrics, 'vantage_api_query_cache_bytes')).toBeGreaterThan(0);
  });

  it('serves a repeated query from the cache (a fixed past window: the full time to live)', async () => {
    const vql =
      "SELECT count(value) FROM metrics WHERE service_name = 'cache-it' AND timestamp BETWEEN '2026-01-01T00:00:00Z' AND '2026-01-01T01:00:00Z'";
    const ask = async (): Promise<Response> =>
      fetch(`${vantage.api}/v1/query`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ vql }),
      });
    const hitsBefore = await promValue(vantage.apiMetrics, 'vantage_api_query_cache_hits_total');
    expect((await ask()).headers.get('x-vantage-cache')).toBe('miss');
    const again = await ask();
    expect(again.headers.get('x-vantage-cache')).toBe('hit');
    expect(((await again.json()) as { stats: { cached: boolean } }).stats.cached).toBe(true);
    expect(await promValue(vantage.apiMetrics, 'vantage_api_query_cache_hits_total')).toBe(hitsBefore + 1);

    const series = `${vantage.api}/metrics/timeseries?service=cache-it&metric=orders&from=1767225600000&to=1767229200000&step=5m`;
    expect((await fetch(series)).headers.get('x-vantage-cache')).toBe('miss');
    expect((await fetch(series)).headers.get('x-vantage-cache')).toBe('hit');
  });
});

describe('GET /v1/pipeline on a running Vantage', () => {
  it("shows the collector, the embedded log, the worker and the store from the roles' own metrics", async () => {
    const status = await eventually(async () => {
      const res = await fetch(`${vantage.api}/v1/pipeline`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as PipelineStatusResponse;
      return (body.worker.samplesStored ?? 0) >= 2 ? body : undefined;
    });
    expect(status.targets.map((t) => [t.role, t.up, t.error])).toEqual([
      ['collector', true, null],
      ['worker', true, null],
    ]);
    expect(status.collector.requestsAccepted).toBe(2);
    expect(status.collector.samplesAccepted).toBe(2);
    expect(status.collector.rateLimited).toBe(0);
    expect(status.collector.publishSecondsAvg).toBeGreaterThan(0);
    expect(status.bus.kind).toBe('embedded');
    expect(status.bus.logBytes).toBeGreaterThan(0);
    expect(status.bus.backlogBytes).toBe(0);
    expect(status.worker.circuitBreaker).toBe('closed');
    expect(status.worker.insertsOk).toBeGreaterThanOrEqual(1);
    expect(status.worker.errors).toBe(0);
    expect(status.storage.kind).toBe('sqlite');
    expect(status.storage.series).toBe(1);
    expect(status.storage.bytesOnDisk).toBeGreaterThan(0);
  });
});
