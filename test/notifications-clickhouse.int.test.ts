import { execFile } from 'node:child_process';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseNotifyStore, NotificationService, createNotifyMetrics } from '../src/alerting/index.js';
import type { NotifierConfig } from '../src/alerting/index.js';
import { firingAlert } from './support/alert-instances.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { eventually } from './support/http.js';
import { startRole, stopRole } from './support/role-process.js';
import { CLI } from './support/vantage-process.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * Distributed notifications: the state in ClickHouse, shared by two API processes (two services
 * here). What one sent, the other knows after reload(), as when the ruler moves to it; a silence
 * or notifier added through one is seen by the other.
 */
const admin = adminClient();
const database = freshDatabaseName('vantage_notify');
let receiver: WebhookReceiver;
// The real time: the tables' TTLs drop rows whose times lie long past.
const T0 = Date.now();
let now = T0;

async function open(): Promise<NotificationService> {
  const store = await ClickHouseNotifyStore.open({ url: clickHouseUrl(), database });
  return NotificationService.open({
    store,
    metrics: createNotifyMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    limits: { maxSilences: 10, maxNotifiers: 10, queueMax: 10 },
    alertmanagerUrls: [],
    externalUrl: '',
    clock: () => now,
    backoff: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 2, jitter: 0 },
    closeStore: true,
  });
}

beforeAll(async () => {
  await admin.command({ query: `CREATE DATABASE ${database}` });
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  await receiver.stop();
  await dropDatabase(admin, database);
  await admin.close();
});

describe('notifications on ClickHouse', () => {
  it('hand over the notification log, silences and notifiers between processes', async () => {
    const [first, second] = [await open(), await open()];
    try {
      const hook: NotifierConfig = {
        name: 'ops',
        type: 'webhook',
        url: `${receiver.url}/hook`,
        group_wait: '0s',
      };
      await first.putNotifier(hook);
      const a = firingAlert('HighLatency', { service: 'a' }, T0);
      first.deliver([a], T0);
      first.flushDue(T0);
      await first.idle();
      expect(receiver.requests).toHaveLength(1);
      expect(await first.notifications({ state: 'sent', limit: 5 })).toHaveLength(1);

      // The ruler moves to the second process, which reads what the first sent.
      await second.reload();
      expect(second.notifiers().map((n) => n.config.name)).toEqual(['ops']);
      now = T0 + 60_000;
      second.deliver([a], now);
      second.flushDue(now);
      await second.idle();
      expect(receiver.requests).toHaveLength(1);

      const silence = await first.silences.create(
        { matchers: [{ name: 'service', op: '=', value: 'b' }], endsAt: T0 + 3_600_000 },
        now,
      );
      await first.deleteNotifier('ops');
      await second.reload();
      expect(second.silences.get(silence.id)?.endsAt).toBe(T0 + 3_600_000);
      expect(second.notifiers()).toEqual([]);
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe('two vantage api processes', () => {
  it('share notifiers and silences through ClickHouse', async () => {
    const clickhouse = [
      '--clickhouse-url',
      clickHouseUrl(),
      '--clickhouse-database',
      database,
      '--log-level',
      'warn',
    ];
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, [CLI, 'migrate', ...clickhouse], (err, _out, stderr) =>
        err ? reject(new Error(`vantage migrate failed: ${stderr}`)) : resolve(),
      ),
    );
    const [one, two] = await Promise.all([startRole('api', clickhouse), startRole('api', clickhouse)]);
    try {
      const put = await fetch(`${one.url}/v1/notifiers/team`, {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ type: 'webhook', url: `${receiver.url}/team`, secret: 'shh' }),
      });
      expect(put.status).toBe(201);
      const seen = await eventually(
        async () => {
          const res = (await (await fetch(`${two.url}/v1/notifiers`)).json()) as {
            notifiers: { config: { name: string; secret?: string } }[];
          };
          return res.notifiers.length > 0 ? res.notifiers : undefined;
        },
        25_000,
        'the second API to read the notifier',
      );
      expect(seen).toEqual([
        { source: 'api', config: expect.objectContaining({ name: 'team', secret: '***' }) },
      ]);
      const silence = await fetch(`${two.url}/v1/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ matchers: [{ name: 'team', op: '=', value: 'search' }], endsAt: 'now+1h' }),
      });
      expect(silence.status).toBe(201);
      await eventually(
        async () => {
          const res = (await (await fetch(`${one.url}/v1/silences`)).json()) as { silences: unknown[] };
          return res.silences.length === 1 ? true : undefined;
        },
        25_000,
        'the first API to read the silence',
      );
    } finally {
      await Promise.all([stopRole(one), stopRole(two)]);
    }
  });
});
