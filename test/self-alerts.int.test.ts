import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { eventually, postMetrics, timeseries } from './support/http.js';
import { promQuery, startPrometheus } from './support/prometheus-process.js';
import type { ExternalProcess } from './support/prometheus-process.js';
import { REPO_ROOT, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * deploy/prometheus/rules/vantage.rules.yml in a real Prometheus (Debian's 2.42) scraping a
 * running Vantage: every rule is evaluated without error, and every metric it names is one
 * Vantage exposes, so no rule watches a name that does not exist.
 */
const RULES_FILE = join(REPO_ROOT, 'deploy', 'prometheus', 'rules', 'vantage.rules.yml');

interface RuleFile {
  groups: { name: string; rules: { alert: string; expr: string }[] }[];
}
interface RulesApi {
  data: {
    groups: { rules: { name: string; health: string; lastError?: string; lastEvaluation: string }[] }[];
  };
}

let dir: string;
let vantage: VantageProcess;
let prometheus: ExternalProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-self-alerts-'));
  vantage = await startVantageProcess(join(dir, 'data'));
  // Data through the collector and a query through the API, so that every metric has samples.
  const now = Date.now();
  const res = await postMetrics(vantage.collector, [
    { service: 'checkout', name: 'latency_ms', value: 120, timestamp: now },
    { service: 'checkout', name: 'latency_ms', value: 480, timestamp: now },
  ]);
  expect(res.status).toBe(202);
  // And one refusal, so that the collector's error counter has a series.
  const refused = await postMetrics(vantage.collector, [
    { service: 'checkout', name: 'bad name!', value: 1 },
  ]);
  expect(refused.status).toBe(400);
  await eventually(
    async () => {
      const series = await timeseries(vantage.api, {
        service: 'checkout',
        metric: 'latency_ms',
        from: String(now - 3_600_000),
        to: String(now + 60_000),
        step: '60s',
        stat: 'count',
      });
      return series.length > 0 ? series : undefined;
    },
    20_000,
    'the samples to be stored',
  );
  const target = (url: string): string => new URL(url).host;
  const config = `
global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [${JSON.stringify(RULES_FILE)}]
scrape_configs:
  - job_name: vantage-collector
    static_configs: [{ targets: ['${target(vantage.collector)}'] }]
  - job_name: vantage-worker
    static_configs: [{ targets: ['${target(vantage.workerMetrics)}'] }]
  - job_name: vantage-api
    static_configs: [{ targets: ['${target(vantage.apiMetrics)}'] }]
`;
  prometheus = await startPrometheus(join(dir, 'prometheus'), config);
});

afterAll(async () => {
  await prometheus?.stop();
  vantage?.child.kill('SIGTERM');
  await vantage?.exited;
  rmSync(dir, { recursive: true, force: true });
});

describe("Vantage's own alerting rules", () => {
  const file = parse(readFileSync(RULES_FILE, 'utf8')) as RuleFile;
  const rules = file.groups.flatMap((g) => g.rules);

  it('hold the design’s five alerts', () => {
    expect(rules.map((r) => r.alert).sort()).toEqual([
      'VantageApiQueryLatencyHigh',
      'VantageBusPublishSlow',
      'VantageCollectorErrorsHigh',
      'VantageWorkerBatchesSmall',
      'VantageWorkerLagHigh',
    ]);
  });

  it('are each evaluated by Prometheus without error', async () => {
    const evaluated = await eventually(
      async () => {
        const body = (await (await fetch(`${prometheus.url}/api/v1/rules?type=alert`)).json()) as RulesApi;
        const all = body.data.groups.flatMap((g) => g.rules);
        const done = all.filter((r) => !r.lastEvaluation.startsWith('0001-'));
        return done.length === rules.length ? all : undefined;
      },
      30_000,
      'every rule to be evaluated',
    );
    for (const r of evaluated)
      expect({ rule: r.name, health: r.health, error: r.lastError ?? '' }).toEqual({
        rule: r.name,
        health: 'ok',
        error: '',
      });
    for (const r of rules) await expect(promQuery(prometheus.url, r.expr)).resolves.toBeInstanceOf(Array);
  });

  it('name only metrics Vantage exposes', async () => {
    const names = [...new Set(rules.flatMap((r) => r.expr.match(/vantage_[a-z_]+/g) ?? []))];
    expect(names.length).toBeGreaterThanOrEqual(5);
    for (const name of names) {
      const found = await eventually(
        async () => {
          const result = await promQuery(prometheus.url, `count(${name})`);
          return result.length > 0 ? result : undefined;
        },
        30_000,
        `${name} to be scraped`,
      );
      expect(found[0]?.value, name).toBeGreaterThan(0);
    }
  });
});
