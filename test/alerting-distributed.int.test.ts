import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, scalar } from './support/clickhouse.js';
import { DistributedRoles } from './support/distributed-roles.js';
import { eventually, postMetrics } from './support/http.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * Distributed alerting on the real Kafka and ClickHouse: a collector, a worker and two `vantage
 * api`, one rules file. Exactly one API evaluates and the webhook hears the alert once; the
 * leader is killed with SIGKILL, the other takes over without sending the alert again, and the
 * resolved notification arrives once.
 */
const rules = (webhook: string): string => `groups:
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
notifiers:
  - name: hook
    type: webhook
    url: ${webhook}/hook
    group_wait: 0s
    group_interval: 1s
    repeat_interval: 1h
`;

interface WebhookBody {
  status: 'firing' | 'resolved';
  alerts: { labels: Record<string, string> }[];
}

let dir: string;
let webhook: WebhookReceiver;
let roles: DistributedRoles;
let second: RoleProcess;

async function leaderGauge(api: RoleProcess): Promise<number | undefined> {
  try {
    const text = await (await fetch(api.metrics)).text();
    const line = text.split('\n').find((l) => l.startsWith('vantage_alerts_ruler_leader'));
    return line === undefined ? undefined : Number(line.split(' ').at(-1));
  } catch {
    return undefined;
  }
}
const bodies = (): WebhookBody[] => webhook.requests.map((r) => JSON.parse(r.body) as WebhookBody);
const firingLines = (api: RoleProcess): number =>
  api
    .output()
    .split('\n')
    .filter((l) => l.includes('"msg":"alert firing"')).length;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-alerting-distributed-'));
  webhook = await WebhookReceiver.start();
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'queues.yml'), rules(webhook.url));
  roles = new DistributedRoles('alertha', ['--rules-dir', rulesDir]);
  await roles.start(1);
  second = await startRole('api', roles.common);
}, 120_000);

afterAll(async () => {
  if (second) await stopRole(second);
  await roles?.stop();
  await webhook?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('alerting with two APIs', () => {
  let leader: RoleProcess;
  let follower: RoleProcess;

  it('evaluates in exactly one API, which sends the firing alert once', async () => {
    const apis = [roles.api as RoleProcess, second];
    const res = await postMetrics(roles.collector.url, [
      { service: 'jobs', name: 'queue_depth', value: 250, timestamp: Date.now() },
    ]);
    expect(res.status).toBe(202);
    await eventually(
      async () => (bodies().some((b) => b.status === 'firing') ? true : undefined),
      45_000,
      'the firing webhook',
    );
    const gauges = await Promise.all(apis.map(leaderGauge));
    expect([...gauges].sort()).toEqual([0, 1]);
    leader = apis[gauges.indexOf(1)] as RoleProcess;
    follower = apis[gauges.indexOf(0)] as RoleProcess;
    expect(firingLines(leader)).toBe(1);
    expect(firingLines(follower)).toBe(0);
    // Every API serves the alert from the shared state.
    for (const api of apis) {
      const { alerts } = (await (await fetch(`${api.url}/v1/alerts`)).json()) as {
        alerts: { rule: string; state: string }[];
      };
      expect(alerts).toEqual([expect.objectContaining({ rule: 'QueueDeep', state: 'firing' })]);
    }
    expect(bodies().map((b) => b.status)).toEqual(['firing']);
  });

  it('hands over after a kill -9 without sending the firing alert again', async () => {
    // What the leader sent is in ClickHouse before it dies (the new leader reads it back).
    const client = adminClient();
    try {
      await eventually(
        async () =>
          (await scalar(client, `SELECT count() FROM ${roles.database}.notify_log FINAL`)) > 0
            ? true
            : undefined,
        10_000,
        'the notification log',
      );
    } finally {
      await client.close();
    }
    const killedAt = Date.now();
    leader.child.kill('SIGKILL');
    await leader.exited;
    await eventually(
      async () => ((await leaderGauge(follower)) === 1 ? true : undefined),
      40_000,
      'the other API to lead',
    );
    const handoverMs = Date.now() - killedAt;
    console.log(`ruler handover after kill -9: ${handoverMs} ms`);
    // Evaluations by the new leader (its rule health), two intervals (5 s) after it took over.
    const tookOver = Date.now();
    await eventually(
      async () => {
        const body = (await (await fetch(`${follower.url}/v1/rules/queues`)).json()) as {
          rules: { health: { lastEvaluation: number } | null }[];
        };
        return (body.rules[0]?.health?.lastEvaluation ?? 0) > tookOver + 10_000 ? true : undefined;
      },
      30_000,
      'evaluations by the new leader',
    );
    expect(bodies().map((b) => b.status)).toEqual(['firing']);
    expect(firingLines(follower)).toBe(0);
  });

  it('sends the resolved notification once, from the new leader', async () => {
    await postMetrics(roles.collector.url, [
      { service: 'jobs', name: 'queue_depth', value: 3, timestamp: Date.now() },
    ]);
    await eventually(
      async () => (bodies().some((b) => b.status === 'resolved') ? true : undefined),
      40_000,
      'the resolved webhook',
    );
    const resolvedAt = Date.now();
    // Two more evaluations (5 s apart): nothing else is sent.
    await eventually(
      async () => {
        const body = (await (await fetch(`${follower.url}/v1/rules/queues`)).json()) as {
          rules: { health: { lastEvaluation: number } | null }[];
        };
        return (body.rules[0]?.health?.lastEvaluation ?? 0) > resolvedAt + 10_000 ? true : undefined;
      },
      30_000,
      'evaluations after the resolution',
    );
    expect(bodies().map((b) => b.status)).toEqual(['firing', 'resolved']);
    expect(bodies()[1]?.alerts[0]?.labels).toMatchObject({ alertname: 'QueueDeep', service_name: 'jobs' });
    const { alerts } = (await (await fetch(`${follower.url}/v1/alerts`)).json()) as { alerts: unknown[] };
    expect(alerts).toEqual([]);
  });
});
