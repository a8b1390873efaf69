/**
 * `vantage backup --to` of a running embedded Vantage under ingestion of samples and spans,
 * `vantage restore --from` into a fresh data directory, and a second Vantage on it that answers
 * every tier and every trace search as the original did for the data stored before the backup,
 * and holds everything acknowledged before the backup began (the logs' unconsumed tail).
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postMetrics } from './support/http.js';
import {
  DAY,
  MINUTE,
  alerts,
  hex,
  metricHistory,
  postTrace,
  queueDeepRules,
  runCli as cli,
  tierAnswers,
  total,
  traceSearch,
  traceServices as services,
} from './support/restore-checks.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

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

const history = (): ReturnType<typeof metricHistory> => metricHistory('before', FROM, NOW - MINUTE);
const answers = (api: string, service: string, agg: string): ReturnType<typeof tierAnswers> =>
  tierAnswers(api, service, agg, { from: FROM, now: NOW });

const BEFORE_TRACES = 60;

describe('vantage backup and restore', () => {
  it('backs up a running Vantage under ingestion and restores the same answers in every tier and for traces', async () => {
    // The worker writes every 3 s, so that at the backup a few seconds of acknowledged samples
    // and spans are in the logs only: the copy holds them only if it copies the logs' tail.
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'queues.yml'), queueDeepRules('1h'));
    const original = await startVantageProcess(join(dir, 'original'), [
      '--rules-dir',
      rulesDir,
      '--worker-linger',
      '3s',
      '--worker-batch-max-messages',
      '100000',
    ]);
    running.push(original);
    const sent = history();
    for (let i = 0; i < sent.length; i += 1000) {
      expect((await postMetrics(original.collector, sent.slice(i, i + 1000))).status).toBe(202);
    }
    const deep = [{ service: 'jobs', name: 'queue_depth', value: 250, timestamp: Date.now() }];
    expect((await postMetrics(original.collector, deep)).status).toBe(202);
    for (let n = 1; n <= BEFORE_TRACES; n++)
      expect(await postTrace(original.otlpHttp, 'before', n)).toBe(200);
    await eventually(
      async () => {
        const [, , hourly] = await answers(original.api, 'before', 'count');
        return hourly !== undefined && total(hourly) === sent.length ? true : undefined;
      },
      30_000,
      'the history stored',
    );
    await eventually(
      async () =>
        (await traceSearch(original.api, 'before')).data.length === BEFORE_TRACES ? true : undefined,
      30_000,
      'the traces stored',
    );

    const [firing] = await eventually(
      async () => {
        const found = await alerts(original.api);
        return found.some((a) => a.state === 'firing') ? found : undefined;
      },
      30_000,
      'the alert to fire',
    );
    expect(firing?.firedAt).toBeGreaterThan(0);

    // Ingestion of samples and spans goes on during the backup, into other services.
    let ingesting = true;
    let during = 0;
    const ackedTraces: number[] = [];
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
    const spanLoad = (async () => {
      for (let n = 1_000; ingesting && ackedTraces.length < 900; n++) {
        if ((await postTrace(original.otlpHttp, 'during', n)) === 200) ackedTraces.push(n);
        await new Promise((r) => setTimeout(r, 10));
      }
    })();
    await eventually(
      async () => (during > 2000 && ackedTraces.length > 20 ? true : undefined),
      30_000,
      'ingestion under way',
    );
    // Acknowledged before the backup began: the copy must hold every one of them.
    const samplesBefore = during;
    const tracesBefore = ackedTraces.length;
    const to = join(dir, 'backup');
    const backup = await cli(['backup', '--to', to, '--data-dir', join(dir, 'original')]);
    ingesting = false;
    await Promise.all([load, spanLoad]);
    expect(backup.code, backup.output).toBe(0);
    expect(backup.output).toContain('Backed up');
    const manifest = JSON.parse(readFileSync(join(to, 'manifest.json'), 'utf8')) as {
      files: { name: string }[];
      logs: { dir: string; committed: number; segments: unknown[] }[];
    };
    expect(manifest.files.map((f) => f.name)).toEqual(['vantage.db', 'traces.db', 'alerting.db']);
    expect(manifest.logs.map((l) => l.dir)).toEqual(['bus', 'spans-bus']);
    for (const log of manifest.logs) expect(log.segments.length).toBeGreaterThan(0);
    // A second backup into the same directory is refused.
    const twice = await cli(['backup', '--to', to, '--data-dir', join(dir, 'original')]);
    expect(twice.code).toBe(1);
    expect(twice.output).toContain('not empty');

    const restoredDir = join(dir, 'restored');
    const restore = await cli(['restore', '--from', to, '--data-dir', restoredDir]);
    expect(restore.code, restore.output).toBe(0);
    for (const f of ['vantage.db', 'traces.db', 'alerting.db', 'bus', 'spans-bus']) {
      expect(existsSync(join(restoredDir, f)), f).toBe(true);
    }
    // A second restore would replace the install: refused without --force.
    const again = await cli(['restore', '--from', to, '--data-dir', restoredDir]);
    expect(again.code).toBe(1);
    expect(again.output).toContain('--force');
    // A directory that is not a backup is refused before anything is touched.
    const notBackup = await cli(['restore', '--from', join(dir, 'original'), '--data-dir', join(dir, 'x')]);
    expect(notBackup.code).toBe(1);
    expect(notBackup.output).toContain('manifest.json');

    const restored = await startVantageProcess(restoredDir, ['--rules-dir', rulesDir]);
    // The alert state came with alerting.db: the alert is firing since the original's firing, not
    // pending again as on a fresh install.
    expect(await alerts(restored.api)).toEqual([
      expect.objectContaining({ state: 'firing', firedAt: firing?.firedAt }),
    ]);
    running.push(restored);
    // What the logs held beyond the stores is replayed on start: every sample and span
    // acknowledged before the backup began arrives, and never more than the original holds.
    const [duringOriginal] = await answers(original.api, 'during', 'count');
    await eventually(
      async () => {
        const [duringRestored] = await answers(restored.api, 'during', 'count');
        const n = total(duringRestored ?? []);
        return n >= samplesBefore ? n : undefined;
      },
      30_000,
      'the samples acknowledged before the backup',
    );
    const restoredTraces = await eventually(
      async () => {
        const found = new Set((await traceSearch(restored.api, 'during')).data.map((t) => t.traceID));
        return ackedTraces.slice(0, tracesBefore).every((n) => found.has(hex(n, 32))) ? found : undefined;
      },
      30_000,
      'the spans acknowledged before the backup',
    );
    expect(restoredTraces.size).toBeLessThanOrEqual(ackedTraces.length);
    const [duringRestored] = await answers(restored.api, 'during', 'count');
    expect(total(duringRestored ?? [])).toBeLessThanOrEqual(total(duringOriginal ?? []));

    for (const agg of ['count', 'sum', 'max', 'p99']) {
      const [a, b] = await Promise.all([
        answers(original.api, 'before', agg),
        answers(restored.api, 'before', agg),
      ]);
      expect(b, agg).toEqual(a);
    }
    const [, , hourly] = await answers(restored.api, 'before', 'count');
    expect(total(hourly ?? [])).toBe(sent.length);
    const [tracesA, tracesB] = await Promise.all([
      traceSearch(original.api, 'before'),
      traceSearch(restored.api, 'before'),
    ]);
    expect(tracesB.data).toHaveLength(BEFORE_TRACES);
    expect(tracesB).toEqual(tracesA);
    expect((await services(restored.api)).sort()).toEqual((await services(original.api)).sort());
  }, 180_000);

  it('still copies the metric store alone with --out FILE', async () => {
    const source = join(dir, 'original');
    const file = join(dir, 'vantage.backup');
    const backup = await cli(['backup', '--out', file, '--data-dir', source]);
    expect(backup.code, backup.output).toBe(0);
    const restore = await cli(['restore', file, '--data-dir', join(dir, 'store-only')]);
    expect(restore.code, restore.output).toBe(0);
    expect(existsSync(join(dir, 'store-only', 'vantage.db'))).toBe(true);
  }, 60_000);
});
