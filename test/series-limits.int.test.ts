import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * The cardinality and answer limits as `vantage start` wires them from its flags: new series past
 * a limit refused per sample while active ones flow, the collector's metrics moving, and a query
 * of more groups than allowed answered with its 422. The mechanics are unit-tested beside the
 * code (src/ingest/collector-series-limits.test.ts, src/storage/sqlite/answer-limits.test.ts).
 */
let dir: string;
let vantage: VantageProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-series-limits-'));
  vantage = await startVantageProcess(dir, [
    '--max-series-per-metric',
    '3',
    '--max-active-series',
    '5',
    '--query-max-series',
    '2',
    '--worker-linger',
    '20ms',
  ]);
});

afterAll(async () => {
  vantage.child.kill('SIGTERM');
  await vantage.exited;
  rmSync(dir, { recursive: true, force: true });
});

const sample = (name: string, host: string) => ({ service: 'checkout', name, value: 1, tags: { host } });

async function post(metrics: object[]): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${vantage.collector}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ metrics }),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('series and answer limits of vantage start', () => {
  it('refuses new series past --max-series-per-metric and --max-active-series, per sample', async () => {
    const first = await post(['a', 'b', 'c', 'd'].map((h) => sample('latency_ms', h)));
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      accepted: 3,
      rejected: [{ index: 3, code: 'VTG_INGEST_SERIES_LIMIT', field: 'metrics[3].tags' }],
    });
    const total = await post([sample('errors', 'a'), sample('errors', 'b'), sample('errors', 'c')]);
    expect(total.body).toMatchObject({
      accepted: 2,
      rejected: [{ index: 2, code: 'VTG_INGEST_SERIES_LIMIT' }],
    });
    expect(JSON.stringify(total.body)).toContain('--max-active-series');
    const again = await post(['a', 'b', 'c'].map((h) => sample('latency_ms', h)));
    expect(again).toMatchObject({ status: 202, body: { accepted: 3, rejected: [] } });
    const metrics = await (await fetch(`${vantage.collector}/metrics`)).text();
    expect(metrics).toMatch(/^vantage_collector_active_series(\{[^}]*\})? 5$/m);
    expect(metrics).toMatch(
      /^vantage_collector_series_limit_rejections_total\{[^}]*limit="metric"[^}]*\} 1$/m,
    );
    expect(metrics).toMatch(
      /^vantage_collector_series_limit_rejections_total\{[^}]*limit="total"[^}]*\} 1$/m,
    );
  });

  it('answers 422 to a query of more groups than --query-max-series', async () => {
    const url = `${vantage.api}/metrics/timeseries?service=checkout&metric=latency_ms&from=-1h&to=now&step=1m`;
    const stored = await eventually(async () => {
      const res = await fetch(`${url}&tags=host:a`);
      const body = (await res.json()) as { series?: unknown[] };
      return (body.series?.length ?? 0) > 0 ? body : undefined;
    });
    expect(stored.series).toHaveLength(1);
    const res = await fetch(`${url}&group_by=host`);
    expect(res.status).toBe(422);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('VTG_QUERY_TOO_MANY_SERIES');
    expect(body.error.message).toContain('more than 2 series');
  });
});
