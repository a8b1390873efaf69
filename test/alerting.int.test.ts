import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postMetrics } from './support/http.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * `vantage start` with a rules directory, on real ports and real SQLite files: a rule fires on
 * data sent through the collector, survives a restart without firing again, resolves, and shows
 * in /v1/alerts and the history; a bad rules file is refused while the rules in force keep going.
 */
const RULES = `groups:
  - name: queues
    interval: 5s
    rules:
      - alert: QueueDeep
        vql: >-
          SELECT service_name, last(value) FROM metrics
          WHERE metric_name = 'queue_depth' AND timestamp > now() - 10m GROUP BY service_name
        condition: '> 100'
        for: 5s
        labels: { severity: page }
        annotations: { summary: '{{ $labels.service_name }} holds {{ $value }} jobs' }
`;

interface AlertJson {
  rule: string;
  state: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number;
  since: number;
  firedAt?: number;
}

let dir: string;
let rulesDir: string;
let vantage: VantageProcess;
const outputs: string[] = [];

async function start(): Promise<void> {
  vantage = await startVantageProcess(join(dir, 'data'), [
    '--rules-dir',
    rulesDir,
    '--worker-linger',
    '20ms',
  ]);
}
async function stop(): Promise<void> {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
  outputs.push(vantage.output());
}
async function alerts(): Promise<AlertJson[]> {
  const res = await fetch(`${vantage.api}/v1/alerts`);
  return ((await res.json()) as { alerts: AlertJson[] }).alerts;
}
const firingLines = (output: string) => output.split('\n').filter((l) => l.includes('"msg":"alert firing"'));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-alerting-'));
  rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'queues.yml'), RULES);
  await start();
});
afterAll(async () => {
  if (vantage.child.exitCode === null) await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('alerting in embedded Vantage', () => {
  let firedAt: number;
  const sent = Date.now();

  it('fires a file rule on data sent through the collector', async () => {
    const res = await postMetrics(vantage.collector, [
      { service: 'jobs', name: 'queue_depth', value: 250, timestamp: sent },
    ]);
    expect(res.status).toBe(202);
    const [firing] = await eventually(
      async () => ((await alerts()).some((a) => a.state === 'firing') ? alerts() : undefined),
      30_000,
      'the alert to fire',
    );
    expect(firing).toMatchObject({
      rule: 'QueueDeep',
      state: 'firing',
      value: 250,
      labels: { alertname: 'QueueDeep', service_name: 'jobs', severity: 'page' },
      annotations: { summary: 'jobs holds 250 jobs' },
    });
    firedAt = firing?.firedAt as number;
    expect(firedAt).toBeGreaterThanOrEqual((firing?.since ?? 0) + 5_000);
    expect(firingLines(vantage.output())).toHaveLength(1);
  });

  it('keeps the firing alert across a restart and does not fire it again', async () => {
    await stop();
    await start();
    const restarted = Date.now();
    // Two evaluations after the restart, seen in the rule's health.
    await eventually(
      async () => {
        const res = await fetch(`${vantage.api}/v1/rules/queues`);
        const body = (await res.json()) as { rules: { health: { lastEvaluation: number } | null }[] };
        const last = body.rules[0]?.health?.lastEvaluation ?? 0;
        return last > restarted + 5_000 ? true : undefined;
      },
      30_000,
      'evaluations after the restart',
    );
    const [still] = await alerts();
    expect(still).toMatchObject({ state: 'firing', firedAt });
    expect(firingLines(vantage.output())).toEqual([]);
  });

  it('resolves when the value drops, and shows the whole story in the history', async () => {
    await postMetrics(vantage.collector, [
      { service: 'jobs', name: 'queue_depth', value: 3, timestamp: Date.now() },
    ]);
    await eventually(
      async () => ((await alerts()).length === 0 ? true : undefined),
      30_000,
      'the alert to resolve',
    );
    // The state is saved before the alert is handed on (and logged), so the API can show it
    // resolved a moment before the log line is written.
    await eventually(
      async () => (vantage.output().includes('"msg":"alert resolved"') ? true : undefined),
      10_000,
      'the log line of the resolution',
    );
    const res = await fetch(`${vantage.api}/v1/alerts/history?rule=QueueDeep&from=now-1h`);
    const { entries } = (await res.json()) as { entries: { state: string }[] };
    expect(entries.map((e) => e.state)).toEqual(['resolved', 'firing', 'pending']);
  });

  it('refuses a bad rules file with its line, keeps the rules in force, and loads a good one', async () => {
    writeFileSync(join(rulesDir, 'queues.yml'), RULES.replace("'> 100'", "'>> 100'"));
    const refused = await eventually(
      async () => {
        const body = (await (await fetch(`${vantage.api}/v1/rules`)).json()) as {
          groups: { name: string }[];
          refused: { message: string }[];
        };
        return body.refused.length > 0 ? body : undefined;
      },
      10_000,
      'the file to be refused',
    );
    expect(refused.refused[0]?.message).toBe(
      "queues.yml:9: groups[0].rules[0].condition: an operator (> >= < <= == !=) and a number, such as '> 500'",
    );
    expect(refused.groups.map((g) => g.name)).toEqual(['queues']);
    writeFileSync(join(rulesDir, 'more.yml'), RULES.replace('name: queues', 'name: more'));
    await eventually(
      async () => {
        const body = (await (await fetch(`${vantage.api}/v1/rules`)).json()) as {
          groups: { name: string }[];
        };
        return body.groups.length === 2 ? true : undefined;
      },
      10_000,
      'the new file to load',
    );
  });
});
