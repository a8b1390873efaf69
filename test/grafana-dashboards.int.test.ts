/**
 * The three Grafana dashboards (deploy/grafana/dashboards) against a real Prometheus (Debian's,
 * `bash scripts/install-prometheus.sh`) scraping a real embedded Vantage and the distributed roles
 * on Kafka and ClickHouse: every panel's every expression, with the dashboard variables
 * substituted as Grafana would, must parse and return at least one series, and the variables'
 * own queries must find every job.
 *
 *   npm run build && eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/grafana-dashboards.int.test.ts
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributedRoles } from './support/distributed-roles.js';
import { postMetrics } from './support/http.js';
import type { TestMetric } from './support/http.js';
import { promQuery, startPrometheus } from './support/prometheus-process.js';
import type { ExternalProcess } from './support/prometheus-process.js';
import { REPO_ROOT, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';
import {
  dashboardExpressions,
  loadDashboards,
  substituteVariables,
  variableQueries,
} from './support/grafana-dashboards.js';

const DASHBOARD_DIR = join(REPO_ROOT, 'deploy', 'grafana', 'dashboards');
/** Retention (and so the storage measurements after it) every second, not every hour. */
const RETENTION_EVERY = ['--retention-interval', '1s'];

let dir: string;
let embedded: VantageProcess | undefined;
let distributed: DistributedRoles | undefined;
let prometheus: ExternalProcess | undefined;
/** Job name -> the targets Prometheus scrapes for it. */
const jobs = new Map<string, string[]>();

function target(url: string): { target: string; path: string } {
  const u = new URL(url);
  return { target: u.host, path: u.pathname };
}

function scrapeConfig(): string {
  const configs = [...jobs].map(([job, urls]) => {
    const { path } = target(urls[0] ?? '');
    const targets = urls.map((u) => `'${target(u).target}'`).join(', ');
    return `  - job_name: ${job}\n    metrics_path: ${path}\n    static_configs: [{ targets: [${targets}] }]`;
  });
  return `global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n${configs.join('\n')}\n`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-grafana-'));
  embedded = await startVantageProcess(join(dir, 'data'), RETENTION_EVERY);
  distributed = new DistributedRoles('grafana', RETENTION_EVERY);
  await distributed.start();
  const { worker, api, collector } = distributed;
  if (worker === undefined || api === undefined) throw new Error('distributed roles not started');
  jobs.set('embedded-collector', [`${embedded.collector}/metrics`]);
  jobs.set('embedded-worker', [embedded.workerMetrics]);
  jobs.set('embedded-api', [embedded.apiMetrics]);
  jobs.set('vantage-collector', [collector.metrics]);
  jobs.set('vantage-worker', [worker.metrics]);
  jobs.set('vantage-api', [api.metrics]);
  prometheus = await startPrometheus(join(dir, 'prometheus'), scrapeConfig());
}, 120_000);

afterAll(async () => {
  await prometheus?.stop();
  if (embedded !== undefined && embedded.child.exitCode === null) {
    embedded.child.kill('SIGTERM');
    await embedded.exited;
  }
  await distributed?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Traffic every panel has something to show about: samples, refusals, queries, cache hits. */
async function sendTraffic(round: number): Promise<void> {
  const now = Date.now();
  const metrics: TestMetric[] = Array.from({ length: 20 }, (_, i) => ({
    service: 'checkout',
    name: 'latency_ms',
    value: 10 + ((round * 7 + i) % 50),
    timestamp: now - i * 1000,
    tags: { region: i % 2 === 0 ? 'eu' : 'us' },
  }));
  if (embedded === undefined || distributed?.api === undefined) throw new Error('a Vantage is missing');
  const vantages = [
    { collector: embedded.collector, api: embedded.api },
    { collector: distributed.collector.url, api: distributed.api.url },
  ];
  for (const { collector, api } of vantages) {
    expect((await postMetrics(collector, metrics)).status).toBe(202);
    // Not JSON: a 400 the collector counts as an error with its code.
    const bad = await fetch(`${collector}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"metrics": [',
    });
    expect(bad.status).toBe(400);
    const query = new URLSearchParams({
      service: 'checkout',
      metric: 'latency_ms',
      from: String(now - 3_600_000),
      to: String(now),
      step: '1m',
      agg: 'p95',
    });
    // Twice the same: a miss, then a hit of the query cache.
    for (let i = 0; i < 2; i++) {
      const res = await fetch(`${api}/metrics/timeseries?${query.toString()}`);
      expect(res.status).toBe(200);
    }
    expect((await fetch(`${api}/v1/services`)).status).toBe(200);
    // A step that is not a duration: a 4xx for the API's error panel.
    const refused = await fetch(
      `${api}/metrics/timeseries?${query.toString().replace('step=1m', 'step=soon')}`,
    );
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
  }
}

describe('the Grafana dashboards on a real Prometheus', () => {
  it('holds the three dashboards with the datasource, job and instance variables', () => {
    const dashboards = loadDashboards(DASHBOARD_DIR);
    expect(dashboards.map((d) => d.title).sort()).toEqual([
      'Vantage / Overview',
      'Vantage / Storage',
      'Vantage / Worker health',
    ]);
    for (const d of dashboards) {
      expect(d.templating.list.map((v) => v.name)).toEqual(['datasource', 'job', 'instance']);
      const expressions = dashboardExpressions(d);
      expect(expressions.length).toBeGreaterThan(5);
      for (const e of expressions) {
        // Each panel follows the variables: its datasource, and the job and instance filters.
        expect(e.datasource, `${d.title} / ${e.panel}`).toBe('${datasource}');
        expect(e.expr, `${d.title} / ${e.panel}`).toContain('job=~"$job"');
        expect(e.expr, `${d.title} / ${e.panel}`).toContain('instance=~"$instance"');
      }
    }
  });

  it('parses every expression of every panel and finds series for each', async () => {
    if (prometheus === undefined) throw new Error('Prometheus did not start');
    const url = prometheus.url;
    const allJobs = [...jobs.keys()];
    const variables = {
      job: `(${allJobs.join('|')})`,
      instance: '.*',
      __rate_interval: '20s',
      __interval: '5s',
      __range: '5m',
    };
    const expressions = loadDashboards(DASHBOARD_DIR).flatMap((d) =>
      dashboardExpressions(d).map((e) => ({ ...e, dashboard: d.title })),
    );
    // Prometheus needs a few scrapes of each series before a rate exists: send, then ask, until
    // every expression answers or the test's time is up (the failures are then listed).
    let empty: string[] = [];
    for (let round = 0; ; round++) {
      await sendTraffic(round);
      empty = [];
      for (const e of expressions) {
        const promql = substituteVariables(e.expr, variables);
        let series: Awaited<ReturnType<typeof promQuery>>;
        try {
          series = await promQuery(url, promql);
        } catch (err) {
          // A parse error is not something waiting fixes.
          throw new Error(`${e.dashboard} / ${e.panel}: ${String(err)}`);
        }
        if (series.length === 0) empty.push(`${e.dashboard} / ${e.panel}: ${promql}`);
      }
      if (empty.length === 0) break;
      if (round >= 40) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    expect(empty).toEqual([]);

    // Both stores measured: the minute tier holds rows on SQLite and on ClickHouse.
    const minuteRows = await promQuery(url, 'max by (store) (vantage_storage_table_rows{tier="1m"})');
    expect(Object.fromEntries(minuteRows.map((r) => [r.metric.store, r.value > 0]))).toEqual({
      sqlite: true,
      clickhouse: true,
    });
    // Kafka lag per partition comes from the distributed worker alone.
    const lag = await promQuery(url, 'vantage_worker_kafka_consumer_lag_messages');
    expect(new Set(lag.map((r) => r.metric.job))).toEqual(new Set(['vantage-worker']));
  }, 120_000);

  it('fills the job and instance variables with every scraped Vantage', async () => {
    if (prometheus === undefined) throw new Error('Prometheus did not start');
    const [dashboard] = loadDashboards(DASHBOARD_DIR);
    if (dashboard === undefined) throw new Error('no dashboard');
    const queries = variableQueries(dashboard);
    const { job, instance } = queries;
    if (job === undefined || instance === undefined) throw new Error('no job or instance variable');
    const jobValues = await labelValues(prometheus.url, job, {});
    expect(jobValues.sort()).toEqual([...jobs.keys()].sort());
    const oneJob = 'vantage-api';
    const instances = await labelValues(prometheus.url, instance, { job: oneJob });
    expect(instances).toEqual(jobs.get(oneJob)?.map((u) => target(u).target));
  });
});

/** Grafana's label_values(selector, label), asked of Prometheus's label values API. */
async function labelValues(
  prometheus: string,
  query: string,
  variables: Record<string, string>,
): Promise<string[]> {
  const m = /^label_values\((.+),\s*(\w+)\)$/.exec(substituteVariables(query, variables));
  if (m === null || m[1] === undefined || m[2] === undefined) throw new Error(`not label_values: ${query}`);
  const res = await fetch(
    `${prometheus}/api/v1/label/${m[2]}/values?${new URLSearchParams({ 'match[]': m[1] }).toString()}`,
  );
  const body = (await res.json()) as { status: string; data: string[]; error?: string };
  if (body.status !== 'success') throw new Error(`${query}: ${body.error ?? res.status}`);
  return body.data;
}
