import { spawn } from 'node:child_process';
import { timeseries } from './http.js';
import type { SeriesJson, TestMetric } from './http.js';
import { CLI, NODE_FLAGS } from './vantage-process.js';

/**
 * What the backup tests send to a Vantage and ask of it, before the backup and after the
 * restore: history in every metric tier, traces, a firing alert. test/backup.int.test.ts (the
 * embedded backup) and test/clickhouse-backup.int.test.ts (ClickHouse's BACKUP) share them, so
 * both hold a restore to the same answers.
 */
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Runs `vantage <args>` to the end: its exit code and output. */
export function runCli(args: readonly string[]): Promise<{ code: number | null; output: string }> {
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

/** History of `service`: 8 series of `latency_ms`, one sample every 10 minutes from `from` to `to`. */
export function metricHistory(service: string, from: number, to: number): TestMetric[] {
  const out: TestMetric[] = [];
  for (let t = from; t < to; t += 10 * MINUTE) {
    for (let h = 0; h < 8; h++) {
      out.push({
        service,
        name: 'latency_ms',
        value: ((t / MINUTE) % 97) + h * 3,
        timestamp: t,
        tags: { host: `h${h}`, region: h % 2 === 0 ? 'eu' : 'us' },
      });
    }
  }
  return out;
}

/**
 * `latency_ms` of `service` by region in each tier (1m, 5m, 1h, 1d), each over a window the tier
 * answers: the history must start at `from`, at least three days before `now`, so that every
 * tier has several buckets.
 */
export async function tierAnswers(
  api: string,
  service: string,
  agg: string,
  window: { from: number; now: number },
): Promise<SeriesJson[][]> {
  const tiers = [
    { step: '1m', from: window.now - 6 * HOUR },
    { step: '5m', from: window.now - DAY },
    { step: '1h', from: window.from },
    { step: '1d', from: window.from },
  ];
  return Promise.all(
    tiers.map((t) =>
      timeseries(api, {
        service,
        metric: 'latency_ms',
        from: String(t.from),
        to: String(window.now + HOUR),
        step: t.step,
        agg,
        group_by: 'region',
      }),
    ),
  );
}

export function total(series: SeriesJson[]): number {
  return series.flatMap((s) => s.points).reduce((n, [, v]) => n + v, 0);
}

export const hex = (n: number, digits: number): string => n.toString(16).padStart(digits, '0');

/** One trace of five spans, ending a second ago, for `service`; its trace id is `n`'s. */
export async function postTrace(otlpHttp: string, service: string, n: number): Promise<number> {
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

export interface JaegerAnswer {
  data: { traceID: string; spans: unknown[] }[];
}

/** Jaeger's search over the last hour: whole traces of `service`, newest first. */
export async function traceSearch(api: string, service: string): Promise<JaegerAnswer> {
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

/** The services Jaeger's search offers. */
export async function traceServices(api: string): Promise<string[]> {
  return ((await (await fetch(`${api}/api/services`)).json()) as { data: string[] }).data;
}

/** A rule that fires 5 s after a `queue_depth` sample above 100 arrives (within `window`). */
export function queueDeepRules(window: string): string {
  return `groups:
  - name: queues
    interval: 5s
    rules:
      - alert: QueueDeep
        vql: >-
          SELECT service_name, last(value) FROM metrics
          WHERE metric_name = 'queue_depth' AND timestamp > now() - ${window} GROUP BY service_name
        condition: '> 100'
        for: 5s
`;
}

export interface AlertJson {
  rule: string;
  state: string;
  activeAt?: number;
  firedAt?: number;
}

export async function alerts(api: string): Promise<AlertJson[]> {
  return ((await (await fetch(`${api}/v1/alerts`)).json()) as { alerts: AlertJson[] }).alerts;
}
