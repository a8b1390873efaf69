import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { firingAlert, resolvedAlert } from '../../../test/support/alert-instances.js';
import { WebhookReceiver } from '../../../test/support/webhook-receiver.js';
import type { NotifierConfig } from '../alert.js';
import type { WebhookPayload } from './channels/alertmanager-payload.js';
import { NotificationService } from './notification-service.js';
import type { NotifyLimits } from './notification-service.js';
import { createNotifyMetrics } from './notify-metrics.js';
import { SqliteNotifyStore } from './sqlite-notify-store.js';

const T0 = Date.UTC(2026, 0, 1, 12);
const SECRET = 'hunter2-but-longer';
const LIMITS: NotifyLimits = { maxSilences: 3, maxNotifiers: 5, queueMax: 100 };

let dir: string;
let receiver: WebhookReceiver;
let now: number;
const open: NotificationService[] = [];

async function service(
  notifiers: NotifierConfig[] = [],
  limits: NotifyLimits = LIMITS,
  registry = new Registry(),
): Promise<{ svc: NotificationService; registry: Registry }> {
  const svc = await NotificationService.open({
    store: new SqliteNotifyStore(join(dir, 'alerting.db')),
    metrics: createNotifyMetrics(registry),
    logger: pino({ level: 'silent' }),
    limits,
    alertmanagerUrls: [],
    externalUrl: 'http://vantage.test:5000',
    clock: () => now,
    backoff: { initialDelayMs: 1, maxDelayMs: 4, maxAttempts: 3, jitter: 0.2 },
    closeStore: true,
  });
  svc.setFileNotifiers(notifiers);
  open.push(svc);
  return { svc, registry };
}

function webhook(extra: Partial<NotifierConfig> = {}): NotifierConfig {
  return {
    name: 'ops',
    type: 'webhook',
    url: `${receiver.url}/hook`,
    secret: SECRET,
    ...extra,
  } as NotifierConfig;
}

/** Moves the clock and sends what is due, then waits for the deliveries' outcomes. */
async function at(ms: number, svc: NotificationService): Promise<void> {
  now = ms;
  svc.flushDue(now);
  await svc.idle();
}

async function metric(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  const v = m?.values.find((x) => Object.entries(labels).every(([k, l]) => x.labels[k] === l));
  return v?.value ?? 0;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-notify-'));
  receiver = await WebhookReceiver.start();
  now = T0;
});
afterEach(async () => {
  for (const svc of open.splice(0)) await svc.close();
  await receiver.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('NotificationService with a webhook notifier', () => {
  it('waits group_wait, then sends the group once, signed with HMAC-SHA256 over the body', async () => {
    const { svc, registry } = await service([webhook({ group_by: ['alertname'] })]);
    svc.deliver(
      [
        firingAlert('HighLatency', { service: 'a' }, T0),
        firingAlert('HighLatency', { service: 'b' }, T0),
        // Pending: not sent until the ruler says it fires.
        firingAlert('HighLatency', { service: 'c' }, T0, { state: 'pending', firedAt: undefined }),
      ],
      T0,
    );
    await at(T0 + 29_000, svc);
    expect(receiver.requests).toHaveLength(0);
    await at(T0 + 30_000, svc);
    expect(receiver.requests).toHaveLength(1);
    const req = receiver.requests[0]!;
    const expected = `sha256=${createHmac('sha256', SECRET).update(req.body).digest('hex')}`;
    expect(req.headers['x-vantage-signature']).toBe(expected);
    const body = receiver.json<WebhookPayload>(0);
    expect(body).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'ops',
      groupLabels: { alertname: 'HighLatency' },
      commonLabels: { alertname: 'HighLatency' },
    });
    expect(body.alerts.map((a) => a.labels['service']).sort()).toEqual(['a', 'b']);
    expect(body.alerts[0]).toMatchObject({ status: 'firing', endsAt: '0001-01-01T00:00:00Z', value: 750 });
    expect(await metric(registry, 'vantage_alerts_notifications_sent_total', { channel: 'webhook' })).toBe(1);
    const [record] = await svc.notifications({ limit: 10 });
    expect(record).toMatchObject({ notifier: 'ops', state: 'sent', attempts: 1, alerts: 2 });
  });

  it('sends nothing new until the group changes or repeat_interval passes', async () => {
    const { svc } = await service([
      webhook({ group_wait: '0s', group_interval: '1m', repeat_interval: '1h' }),
    ]);
    const a = firingAlert('HighLatency', { service: 'a' }, T0);
    svc.deliver([a], T0);
    await at(T0, svc);
    expect(receiver.requests).toHaveLength(1);
    for (let m = 1; m < 60; m += 1) {
      svc.deliver([a], T0 + m * 60_000);
      await at(T0 + m * 60_000, svc);
    }
    expect(receiver.requests).toHaveLength(1);
    const b = firingAlert('HighLatency', { service: 'b' }, T0 + 3_600_000);
    svc.deliver([a, b], T0 + 3_590_000);
    await at(T0 + 3_600_000, svc);
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.json<WebhookPayload>(1).alerts).toHaveLength(2);
    svc.deliver([a, b], T0 + 2 * 3_600_000);
    await at(T0 + 2 * 3_600_000 + 1, svc);
    expect(receiver.requests).toHaveLength(3);
  });

  it('sends the resolution, then forgets the group', async () => {
    const { svc } = await service([webhook({ group_wait: '0s', group_interval: '1m' })]);
    const a = firingAlert('HighLatency', { service: 'a' }, T0);
    svc.deliver([a], T0);
    await at(T0, svc);
    svc.deliver([resolvedAlert(a, T0 + 30_000)], T0 + 30_000);
    await at(T0 + 60_000, svc);
    expect(receiver.requests).toHaveLength(2);
    const body = receiver.json<WebhookPayload>(1);
    expect(body.status).toBe('resolved');
    expect(body.alerts[0]).toMatchObject({ status: 'resolved', endsAt: new Date(T0 + 30_000).toISOString() });
    await at(T0 + 10 * 3_600_000, svc);
    expect(receiver.requests).toHaveLength(2);
  });

  it('does not send the resolution when send_resolved is false', async () => {
    const { svc } = await service([
      webhook({ group_wait: '0s', group_interval: '1m', send_resolved: false }),
    ]);
    const a = firingAlert('HighLatency', { service: 'a' }, T0);
    svc.deliver([a], T0);
    await at(T0, svc);
    svc.deliver([resolvedAlert(a, T0 + 30_000)], T0 + 30_000);
    await at(T0 + 60_000, svc);
    expect(receiver.requests).toHaveLength(1);
    // Firing again is news again.
    svc.deliver([firingAlert('HighLatency', { service: 'a' }, T0 + 120_000)], T0 + 120_000);
    await at(T0 + 180_000, svc);
    expect(receiver.requests).toHaveLength(2);
  });

  it('after a restart sends a firing group again only when its repeat interval has passed', async () => {
    const config = webhook({ group_wait: '30s', group_interval: '5m', repeat_interval: '4h' });
    const first = await service([config]);
    const a = firingAlert('HighLatency', { service: 'a' }, T0);
    first.svc.deliver([a], T0);
    await at(T0 + 30_000, first.svc);
    expect(receiver.requests).toHaveLength(1);
    await first.svc.close();
    open.splice(open.indexOf(first.svc), 1);

    const second = await service([config]);
    // The ruler hands the firing alert over at every evaluation, here every 5 minutes for 3 hours.
    for (let t = T0 + 60_000; t < T0 + 3 * 3_600_000; t += 300_000) {
      second.svc.deliver([a], t);
      await at(t + 30_000, second.svc);
    }
    expect(receiver.requests).toHaveLength(1);
    second.svc.deliver([a], T0 + 4 * 3_600_000);
    await at(T0 + 4 * 3_600_000 + 30_000, second.svc);
    expect(receiver.requests).toHaveLength(2);
  });

  it('routes by match and groups by the notifier’s labels', async () => {
    const other = await WebhookReceiver.start();
    try {
      const { svc } = await service([
        webhook({
          name: 'critical',
          match: { severity: 'critical' },
          group_by: ['service'],
          group_wait: '0s',
        }),
        { name: 'all', type: 'slack', url: `${other.url}/services/T0/B0/xyz`, group_wait: '0s' },
      ]);
      svc.deliver(
        [
          firingAlert('HighLatency', { service: 'a', severity: 'critical' }, T0),
          firingAlert('Errors', { service: 'a', severity: 'critical' }, T0),
          firingAlert('Errors', { service: 'b', severity: 'warning' }, T0),
        ],
        T0,
      );
      await at(T0, svc);
      // critical: one group (service=a) with two alerts; all: two groups by alertname.
      expect(receiver.requests).toHaveLength(1);
      expect(receiver.json<WebhookPayload>(0).groupLabels).toEqual({ service: 'a' });
      expect(receiver.json<WebhookPayload>(0).alerts).toHaveLength(2);
      expect(other.requests).toHaveLength(2);
      const slack = other.requests.map((r) => JSON.parse(r.body) as { text: string; blocks: unknown[] });
      expect(slack.map((s) => s.text).sort()).toEqual(['[FIRING:1] HighLatency', '[FIRING:2] Errors']);
      expect(slack[0]?.blocks).toHaveLength(2);
    } finally {
      await other.stop();
    }
  });
});

describe('silences', () => {
  it('hold back matching alerts until expired, and survive a restart', async () => {
    const { svc, registry } = await service([webhook({ group_wait: '0s', group_interval: '1m' })]);
    const silence = await svc.silences.create(
      {
        matchers: [
          { name: 'service', op: '=~', value: 'a|b' },
          { name: 'env', op: '!=', value: 'dev' },
        ],
        endsAt: T0 + 3_600_000,
        createdBy: 'test',
      },
      T0,
    );
    const a = firingAlert('HighLatency', { service: 'a' }, T0);
    svc.deliver([a], T0);
    await at(T0, svc);
    expect(receiver.requests).toHaveLength(0);
    expect(await metric(registry, 'vantage_alerts_silenced_total')).toBe(1);
    await svc.close();
    open.splice(0);

    const again = await service([webhook({ group_wait: '0s', group_interval: '1m' })]);
    expect(again.svc.silences.get(silence.id)?.endsAt).toBe(T0 + 3_600_000);
    // Counted from the start, before the first tick of the timer.
    expect(await metric(again.registry, 'vantage_alerts_silences_active')).toBe(1);
    again.svc.deliver([a], T0 + 60_000);
    await at(T0 + 60_000, again.svc);
    expect(receiver.requests).toHaveLength(0);
    await again.svc.silences.expire(silence.id, T0 + 90_000);
    again.svc.deliver([a], T0 + 120_000);
    await at(T0 + 120_000, again.svc);
    expect(receiver.requests).toHaveLength(1);
  });

  it('are refused past the limit and with bad matchers, with codes and fields', async () => {
    const { svc } = await service();
    const make = (value: string, op: '=' | '=~' = '=') =>
      svc.silences.create({ matchers: [{ name: 'service', op, value }], endsAt: T0 + 60_000 }, T0);
    await expect(make('(', '=~')).rejects.toMatchObject({
      code: 'VTG_NOTIFY_SILENCE_INVALID',
      field: 'matchers[0].value',
    });
    await expect(make('.*', '=~')).rejects.toMatchObject({
      code: 'VTG_NOTIFY_SILENCE_INVALID',
      field: 'matchers',
    });
    for (const v of ['a', 'b', 'c']) await make(v);
    await expect(make('d')).rejects.toMatchObject({ code: 'VTG_NOTIFY_SILENCE_LIMIT', statusCode: 422 });
  });
});

describe('failures', () => {
  it('retries, then records and counts a notification that keeps failing, and tries the group again later', async () => {
    receiver.status = () => 503;
    const { svc, registry } = await service([webhook({ group_wait: '0s', group_interval: '1m' })]);
    svc.deliver([firingAlert('HighLatency', { service: 'a' }, T0)], T0);
    await at(T0, svc);
    expect(receiver.requests).toHaveLength(3);
    const failed = await svc.notifications({ state: 'failed', limit: 10 });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ notifier: 'ops', attempts: 3, channel: 'webhook' });
    expect(failed[0]?.error).toContain('HTTP 503');
    expect(await metric(registry, 'vantage_alerts_notifications_failed_total', { channel: 'webhook' })).toBe(
      1,
    );
    expect(await metric(registry, 'vantage_alerts_notification_retries_total', { channel: 'webhook' })).toBe(
      2,
    );
    receiver.status = () => 200;
    await at(T0 + 60_000, svc);
    expect(receiver.requests).toHaveLength(4);
    expect(await svc.notifications({ state: 'sent', limit: 10 })).toHaveLength(1);
  });

  it('does not retry what the receiver refuses outright (4xx)', async () => {
    receiver.status = () => 400;
    const { svc } = await service([webhook({ group_wait: '0s' })]);
    svc.deliver([firingAlert('HighLatency', { service: 'a' }, T0)], T0);
    await at(T0, svc);
    expect(receiver.requests).toHaveLength(1);
    expect((await svc.notifications({ state: 'failed', limit: 10 }))[0]?.attempts).toBe(1);
  });

  it('refuses past the queue limit and records the refusal with its code', async () => {
    receiver.hold = true;
    const { svc, registry } = await service([webhook({ group_wait: '0s', group_by: ['service'] })], {
      ...LIMITS,
      queueMax: 1,
    });
    svc.deliver([firingAlert('X', { service: 'a' }, T0), firingAlert('X', { service: 'b' }, T0)], T0);
    now = T0;
    svc.flushDue(now);
    await receiver.received(1);
    expect(await metric(registry, 'vantage_alerts_notification_queue_size')).toBe(1);
    receiver.release();
    await svc.idle();
    const failed = await svc.notifications({ state: 'failed', limit: 10 });
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ code: 'VTG_NOTIFY_QUEUE_FULL', attempts: 0 });
    expect(
      await metric(registry, 'vantage_alerts_notifications_refused_total', { reason: 'queue_full' }),
    ).toBe(1);
  });
});
