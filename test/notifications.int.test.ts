import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NotificationService, SqliteNotifyStore, createNotifyMetrics } from '../src/alerting/index.js';
import type { NotifierConfig } from '../src/alerting/index.js';
import { firingAlert, resolvedAlert } from './support/alert-instances.js';
import { startAlertmanager } from './support/prometheus-process.js';
import type { ExternalProcess } from './support/prometheus-process.js';
import { startSmtpSink } from './support/smtp-sink.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { SmtpSink } from './support/smtp-sink.js';

/**
 * The notification side against real receivers: Debian's Alertmanager 0.25 (installed by
 * scripts/install-prometheus.sh) and aiosmtpd (installed into .cache/venv by scripts/services.sh).
 * The test plays the ruler: it hands hand-made alert instances to the AlertSink.
 */
let dir: string;
let alertmanager: ExternalProcess;
let smtp: SmtpSink;

interface AmAlert {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  endsAt: string;
  status: { state: string };
}

async function amAlerts(): Promise<AmAlert[]> {
  const res = await fetch(`${alertmanager.url}/api/v2/alerts`);
  expect(res.status).toBe(200);
  return (await res.json()) as AmAlert[];
}

async function open(
  notifiers: NotifierConfig[],
  alertmanagerUrls: string[] = [],
): Promise<NotificationService> {
  const svc = await NotificationService.open({
    store: new SqliteNotifyStore(join(dir, `alerting-${Math.random().toString(36).slice(2)}.db`)),
    metrics: createNotifyMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    limits: { maxSilences: 10, maxNotifiers: 10, queueMax: 100 },
    alertmanagerUrls,
    externalUrl: 'http://vantage.test:5000',
    backoff: { initialDelayMs: 50, maxDelayMs: 200, maxAttempts: 3, jitter: 0.2 },
    closeStore: true,
  });
  svc.setFileNotifiers(notifiers);
  return svc;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-notify-int-'));
  [alertmanager, smtp] = await Promise.all([
    startAlertmanager(join(dir, 'am')),
    startSmtpSink(join(dir, 'smtp')),
  ]);
});
afterAll(async () => {
  await Promise.all([alertmanager?.stop(), smtp?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('notifications reach real receivers', () => {
  it('--alertmanager-url hands a firing alert to Alertmanager, then its resolution', async () => {
    const svc = await open([], [alertmanager.url]);
    try {
      const now = Date.now();
      const alert = firingAlert('CheckoutLatencyHigh', { service: 'checkout', severity: 'critical' }, now);
      svc.deliver([alert], now);
      svc.flushDue(now);
      await svc.idle();
      const [received, ...others] = (await amAlerts()).filter(
        (a) => a.labels['alertname'] === 'CheckoutLatencyHigh',
      );
      expect(others).toEqual([]);
      expect(received).toMatchObject({
        labels: { alertname: 'CheckoutLatencyHigh', service: 'checkout', severity: 'critical' },
        annotations: { summary: 'CheckoutLatencyHigh on checkout' },
        status: { state: 'active' },
      });
      expect(Date.parse(received!.endsAt)).toBeGreaterThan(now);
      expect(await svc.notifications({ state: 'sent', limit: 5 })).toHaveLength(1);

      const resolvedAt = Date.now();
      svc.deliver([resolvedAlert(alert, resolvedAt)], resolvedAt);
      // The Alertmanager notifier's group interval is one minute.
      svc.flushDue(resolvedAt + 60_000);
      await svc.idle();
      const after = (await amAlerts()).filter((a) => a.labels['alertname'] === 'CheckoutLatencyHigh');
      // Alertmanager lists a resolved alert no more, or lists it with the end Vantage gave it.
      for (const a of after) expect(Date.parse(a.endsAt)).toBeLessThanOrEqual(resolvedAt + 1_000);
      expect(await svc.notifications({ state: 'sent', limit: 5 })).toHaveLength(2);
    } finally {
      await svc.close();
    }
  });

  it('an alertmanager notifier with two URLs reaches the one that answers and records the other as failed', async () => {
    const svc = await open([
      {
        name: 'am-pair',
        type: 'alertmanager',
        urls: [alertmanager.url, 'http://127.0.0.1:9/'],
        match: { team: 'payments' },
      },
    ]);
    try {
      const now = Date.now();
      svc.deliver([firingAlert('PaymentsDown', { service: 'payments', team: 'payments' }, now)], now);
      svc.deliver([firingAlert('Unrouted', { service: 'other', team: 'search' }, now)], now);
      svc.flushDue(now);
      await svc.idle();
      const names = (await amAlerts()).map((a) => a.labels['alertname']);
      expect(names).toContain('PaymentsDown');
      expect(names).not.toContain('Unrouted');
      const [failed] = await svc.notifications({ state: 'failed', limit: 5 });
      expect(failed).toMatchObject({ notifier: 'am-pair', channel: 'alertmanager', attempts: 3 });
    } finally {
      await svc.close();
    }
  });

  it('sends an email through SMTP to the inbox', async () => {
    const svc = await open([
      {
        name: 'mail',
        type: 'email',
        to: ['oncall@example.com'],
        from: 'vantage@example.com',
        smtp: { host: smtp.host, port: smtp.port, secure: false },
        group_wait: '0s',
      },
    ]);
    try {
      const now = Date.now();
      svc.deliver([firingAlert('DiskFull', { service: 'db', severity: 'warning' }, now)], now);
      svc.flushDue(now);
      await svc.idle();
      const messages = smtp.messages();
      expect(messages).toHaveLength(1);
      const mail = messages[0]!;
      expect(mail).toMatch(/^To: oncall@example\.com$/m);
      expect(mail).toMatch(/^From: vantage@example\.com$/m);
      expect(mail).toMatch(/^Subject: \[FIRING:1\] DiskFull$/m);
      expect(mail).toContain('DiskFull on db');
      expect(await svc.notifications({ state: 'sent', limit: 5 })).toMatchObject([{ channel: 'email' }]);
    } finally {
      await svc.close();
    }
  });
});

describe('vantage start', () => {
  it('takes --alertmanager-url as a notifier and keeps silences across a restart', async () => {
    const dataDir = join(dir, 'vantage');
    const args = ['--alertmanager-url', `${alertmanager.url},http://127.0.0.1:9`];
    let vantage = await startVantageProcess(dataDir, args);
    let silenceId: string;
    try {
      const notifiers = (await (await fetch(`${vantage.api}/v1/notifiers`)).json()) as {
        notifiers: { source: string; config: { name: string; urls: string[] } }[];
      };
      expect(notifiers.notifiers).toEqual([
        {
          source: 'settings',
          config: {
            name: 'alertmanager-url',
            type: 'alertmanager',
            urls: [alertmanager.url, 'http://127.0.0.1:9'],
          },
        },
      ]);
      const created = await fetch(`${vantage.api}/v1/silences`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          matchers: [{ name: 'service', op: '=', value: 'checkout' }],
          endsAt: 'now+1h',
        }),
      });
      expect(created.status).toBe(201);
      silenceId = ((await created.json()) as { silence: { id: string } }).silence.id;
    } finally {
      vantage.child.kill('SIGTERM');
      await vantage.exited;
    }
    vantage = await startVantageProcess(dataDir, args);
    try {
      const listed = (await (await fetch(`${vantage.api}/v1/silences`)).json()) as {
        silences: { id: string; state: string }[];
      };
      expect(listed.silences).toEqual([expect.objectContaining({ id: silenceId, state: 'active' })]);
      const metrics = await (await fetch(vantage.apiMetrics)).text();
      expect(metrics).toMatch(/^vantage_alerts_notifiers\{[^}]*\} 1$/m);
      expect(metrics).toMatch(/^vantage_alerts_silences_active\{[^}]*\} 1$/m);
    } finally {
      vantage.child.kill('SIGTERM');
      await vantage.exited;
    }
  });
});
