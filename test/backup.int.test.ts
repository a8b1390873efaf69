/**
 * `vantage backup` of a running embedded Vantage under ingestion, `vantage restore` into a fresh
 * data directory, and a second Vantage on it that answers every tier as the original did for the
 * data stored before the backup.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postMetrics, timeseries } from './support/http.js';
import type { SeriesJson, TestMetric } from './support/http.js';
import { CLI, NODE_FLAGS, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const NOW = Date.now();
/** Three days of history: every tier has several buckets. */
const FROM = Math.floor((NOW - 3 * DAY) / DAY) * DAY;

let dir: string;
const running: VantageProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-backup-int-'));
});

afterAll(async () => {
  for (const p of running) {
    if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await p.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

/** Runs `vantage <args>` to the end: its exit code and output. */
function cli(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...NODE_FLAGS, CLI, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', (code) => resolve({ code, output }));
  });
}

/** The history sent before the backup: 8 series, one sample every 10 minutes for three days. */
function history(): TestMetric[] {
  const out: TestMetric[] = [];
  for (let t = FROM; t < NOW - MINUTE; t += 10 * MINUTE) {
    for (let h = 0; h < 8; h++) {
      out.push({
        service: 'before',
        name: 'latency_ms',
        value: ((t / MINUTE) % 97) + h * 3,
        timestamp: t,
        tags: { host: `h${h}`, region: h % 2 === 0 ? 'eu' : 'us' },
      });
    }
  }
  return out;
}

const TIERS = [
  { step: '1m', from: NOW - 6 * HOUR },
  { step: '5m', from: NOW - DAY },
  { step: '1h', from: FROM },
  { step: '1d', from: FROM },
];

async function answers(api: string, service: string, agg: string): Promise<SeriesJson[][]> {
  return Promise.all(
    TIERS.map((t) =>
      timeseries(api, {
        service,
        metric: 'latency_ms',
        from: String(t.from),
        to: String(NOW + HOUR),
        step: t.step,
        agg,
        group_by: 'region',
      }),
    ),
  );
}

function total(series: SeriesJson[]): number {
  return series.flatMap((s) => s.points).reduce((n, [, v]) => n + v, 0);
}

describe('vantage backup and restore', () => {
  it('backs up a running Vantage under ingestion and restores the same answers in every tier', async () => {
    const original = await startVantageProcess(join(dir, 'original'));
    running.push(original);
    const sent = history();
    for (let i = 0; i < sent.length; i += 1000) {
      expect((await postMetrics(original.collector, sent.slice(i, i + 1000))).status).toBe(202);
    }
    await eventually(
      async () => {
        const [, , hourly] = await answers(original.api, 'before', 'count');
        return hourly !== undefined && total(hourly) === sent.length ? true : undefined;
      },
      30_000,
      'the history stored',
    );

    // Ingestion goes on during the backup, into another service.
    let ingesting = true;
    let during = 0;
    const load = (async () => {
      while (ingesting) {
        const batch = Array.from({ length: 200 }, (_, i) => ({
          service: 'during',
          name: 'latency_ms',
          value: i,
          timestamp: Date.now(),
          tags: { host: `h${i % 20}` },
        }));
        if ((await postMetrics(original.collector, batch)).status === 202) during += batch.length;
      }
    })();
    await eventually(async () => (during > 2000 ? true : undefined), 30_000, 'ingestion under way');
    const file = join(dir, 'vantage.backup');
    const backup = await cli(['backup', '--out', file, '--data-dir', join(dir, 'original')]);
    ingesting = false;
    await load;
    expect(backup.code, backup.output).toBe(0);
    expect(backup.output).toContain('Backed up');

    const restoredDir = join(dir, 'restored');
    const restore = await cli(['restore', file, '--data-dir', restoredDir]);
    expect(restore.code, restore.output).toBe(0);
    expect(existsSync(join(restoredDir, 'vantage.db'))).toBe(true);
    // A second restore would replace the store: refused without --force.
    const again = await cli(['restore', file, '--data-dir', restoredDir]);
    expect(again.code).toBe(1);
    expect(again.output).toContain('--force');

    const restored = await startVantageProcess(restoredDir);
    running.push(restored);
    for (const agg of ['count', 'sum', 'max', 'p99']) {
      const [a, b] = await Promise.all([
        answers(original.api, 'before', agg),
        answers(restored.api, 'before', agg),
      ]);
      expect(b, agg).toEqual(a);
    }
    const [, , hourly] = await answers(restored.api, 'before', 'count');
    expect(total(hourly ?? [])).toBe(sent.length);
    // What arrived during the backup: the copy holds a part of it, never more than the original.
    const [duringOriginal] = await answers(original.api, 'during', 'count');
    const [duringRestored] = await answers(restored.api, 'during', 'count');
    expect(total(duringRestored ?? [])).toBeLessThanOrEqual(total(duringOriginal ?? []));
  }, 120_000);
});
