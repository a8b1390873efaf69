/**
 * `vantage backup --to` of a running embedded Vantage under ingestion of samples and spans,
 * `vantage restore --from` into a fresh data directory, and a second Vantage on it that answers
 * every tier and every trace search as the original did for the data stored before the backup,
 * and holds everything acknowledged before the backup began (the logs' unconsumed tail).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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

const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

/** One trace of five spans, ending a second ago, for `service`; its trace id is `n`'s. */
async function postTrace(otlpHttp: string, service: string, n: number): Promise<number> {
  const start = BigInt(Date.now() - 1_000) * 1_000_000n;
  const spans = Array.from({ length: 5 }, (_, i) => ({
    traceId: hex(n, 32),
    spanId: hex(n * 10 + i + 1, 16),
    ...(i > 0 ? { parentSpanId: hex(n * 10 + 1, 16) } : {}),
    name: i === 0 ? 'GET /checkout' : `step-${i}`,
    startTimeUnixNano: String(start + BigInt(i) * 1_000_000n),
    endTimeUnixNano: String(start + BigInt(i + 10) * 1_000_000n),
  }));
  const body = {
    resourceSpans: [
      {
        resource: { attributes: [{ key: 'service.name', value: { stringValue: service } }] },
        scopeSpans: [{ spans }],
      },
    ],
  };
  const res = await fetch(`${otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  await res.text();
  return res.status;
}

interface JaegerAnswer {
  data: { traceID: string; spans: unknown[] }[];
}

/** Jaeger's search over the last hour: whole traces of `service`, newest first. */
async function traceSearch(api: string, service: string): Promise<JaegerAnswer> {
  const end = Date.now() * 1000;
  const params = new URLSearchParams({
    service,
    limit: '1000',
    start: String(end - HOUR * 1000),
    end: String(end),
  });
  const res = await fetch(`${api}/api/traces?${params.toString()}`);
  if (!res.ok) throw new Error(`trace search ${res.status}: ${await res.text()}`);
  return (await res.json()) as JaegerAnswer;
}

async function services(api: string): Promise<string[]> {
  return ((await (await fetch(`${api}/api/services`)).json()) as { data: string[] }).data;
}

const BEFORE_TRACES = 60;

const RULES = `groups:
  - name: queues
    interval: 5s
    rules:
      - alert: QueueDeep
        vql: >-
          SELECT service_name, last(value) FROM metrics
          WHERE metric_name = 'queue_depth' AND timestamp > now() - 1h GROUP BY service_name
        condition: '> 100'
        for: 5s
`;

interface AlertJson {
  rule: string;
  state: string;
  firedAt?: number;
}

async function alerts(api: string): Promise<AlertJson[]> {
  return ((await (await fetch(`${api}/v1/alerts`)).json()) as { alerts: AlertJson[] }).alerts;
}

describe('vantage backup and restore', () => {
  it('backs up a running Vantage under ingestion and restores the same answers in every tier and for traces', async () => {
    // The worker writes every 3 s, so that at the backup a few seconds of acknowledged samples
    // and spans are in the logs only: the copy holds them only if it copies the logs' tail.
    const rulesDir = join(dir, 'rules');
    mkdirSync(rulesDir);
    writeFileSync(join(rulesDir, 'queues.yml'), RULES);
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
