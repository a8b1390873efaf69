import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineStatusResponse } from '../src/core/index.js';
import { eventually, postMetrics, timeseries } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * Issue 10, "a stuck pipeline is never hidden", in embedded mode: `vantage start` whose worker
 * cannot write (the test holds the SQLite file's write lock, so every write of the worker fails
 * with SQLITE_BUSY and is retried) while samples keep coming. The collector keeps answering 202
 * (the log holds them), but within --stall-after its /ready answers 503 VTG_PIPELINE_STALLED and
 * the pipeline view says stalled; once the lock goes, the worker stores everything and both clear.
 */
const MINUTE = 60_000;
let dir: string;
let vantage: VantageProcess;
const minute = Math.floor((Date.now() - 5 * MINUTE) / MINUTE) * MINUTE;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-stall-'));
  vantage = await startVantageProcess(dir, [
    '--stall-after',
    '3s',
    '--worker-linger',
    '20ms',
    '--rate-limit-per-minute',
    '100000',
  ]);
});

afterAll(async () => {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
  rmSync(dir, { recursive: true, force: true });
});

interface ReadyBody {
  status: string;
  error?: { code: string; message: string };
  details?: { pipeline?: { since: string; stalledSeconds: number; backlog: number; backlogUnit: string } };
}

async function ready(): Promise<{ status: number; body: ReadyBody }> {
  const res = await fetch(`${vantage.collector}/ready`);
  return { status: res.status, body: (await res.json()) as ReadyBody };
}

/**
 * The pipeline view once it heard from the collector: on a busy machine one scrape can miss the
 * API's 2 s deadline, and then the view rightly says it does not know.
 */
async function pipeline(): Promise<PipelineStatusResponse> {
  return eventually(
    async () => {
      const view = (await (await fetch(`${vantage.api}/v1/pipeline`)).json()) as PipelineStatusResponse;
      return view.stall.stalled === null ? undefined : view;
    },
    20_000,
    'the pipeline view to hear from the collector',
  );
}

/** Sum of the stored `count` of `requests` in the test's minute. */
async function storedCount(): Promise<number> {
  const series = await timeseries(vantage.api, {
    metric: 'requests',
    service: 'stall',
    from: String(minute),
    to: String(minute + MINUTE),
    step: '1m',
    agg: 'count',
  });
  return series.flatMap((s) => s.points).reduce((total, [, v]) => total + v, 0);
}

async function send(n: number): Promise<void> {
  const res = await postMetrics(
    vantage.collector,
    Array.from({ length: n }, (_, i) => ({
      service: 'stall',
      name: 'requests',
      value: i,
      timestamp: minute + i,
    })),
  );
  expect(res.status).toBe(202);
}

describe('a stuck embedded pipeline', () => {
  it('makes the collector unready and the pipeline view say so, and clears once the worker stores again', async () => {
    await send(5);
    await eventually(
      async () => ((await storedCount()) === 5 ? true : undefined),
      20_000,
      'the first samples',
    );
    expect((await ready()).status).toBe(200);
    expect((await pipeline()).stall).toMatchObject({ stalled: false, since: null });

    const lock = new Database(join(dir, 'vantage.db'));
    let sent = 5;
    let stalled: ReadyBody;
    try {
      lock.exec('BEGIN IMMEDIATE');
      stalled = await eventually(
        async () => {
          await send(10);
          sent += 10;
          const r = await ready();
          return r.status === 503 ? r.body : undefined;
        },
        30_000,
        'the collector to turn unready',
      );
      expect(stalled.error?.code).toBe('VTG_PIPELINE_STALLED');
      expect(stalled.details?.pipeline?.backlogUnit).toBe('bytes');
      expect(stalled.details?.pipeline?.backlog).toBeGreaterThan(0);
      expect(stalled.details?.pipeline?.stalledSeconds).toBeGreaterThanOrEqual(3);
      expect(Date.parse(stalled.details?.pipeline?.since ?? '')).toBeLessThan(Date.now() - 3_000);
      // Nothing sent during the lock is stored; all of it is acknowledged and waits in the log.
      expect(await storedCount()).toBe(5);
      const view = await pipeline();
      expect(view.stall).toMatchObject({ stalled: true, backlogUnit: 'bytes' });
      expect(view.stall.backlog).toBeGreaterThan(0);
      expect(Date.parse(view.stall.since ?? '')).toBeLessThan(Date.now() - 3_000);
    } finally {
      lock.exec('ROLLBACK');
      lock.close();
    }

    await eventually(
      async () => ((await ready()).status === 200 ? true : undefined),
      60_000,
      '/ready to clear',
    );
    await eventually(async () => ((await storedCount()) === sent ? true : undefined), 20_000, 'every sample');
    await eventually(
      async () => ((await pipeline()).stall.backlog === 0 ? true : undefined),
      10_000,
      'the pipeline view to show no backlog',
    );
    expect((await pipeline()).stall).toMatchObject({ stalled: false, since: null });
  });
});
