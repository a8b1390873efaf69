import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, postMetrics } from './support/http.js';
import { startAlertmanager } from './support/prometheus-process.js';
import type { ExternalProcess } from './support/prometheus-process.js';
import { startSmtpSink } from './support/smtp-sink.js';
import type { SmtpSink } from './support/smtp-sink.js';
import { startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

/**
 * The "Done when" for embedded mode, with every part real: a rule in a rules file fires on
 * data sent through the collector and reaches the three notifiers its file declares (a signed
 * webhook, Debian's Alertmanager 0.25, an aiosmtpd inbox) once each; a restart of `vantage start`
 * on the same data directory sends none of them a second firing notification; the resolution
 * reaches all three; the history tells pending, firing, resolved. Then the rules directory's
 * refusals (a file whose notifiers clash) and SIGHUP.
 */
const SECRET = 'a-long-shared-secret';
// Short grouping, so that a restart is well past group_interval; a long repeat, so that any second
// firing notification within the test would be a duplicate.
const TIMING = 'group_wait: 1s\n    group_interval: 2s\n    repeat_interval: 1h';

let dir: string;
let rulesDir: string;
let vantage: VantageProcess;
let webhook: WebhookReceiver;
let alertmanager: ExternalProcess;
let smtp: SmtpSink;

function rulesFile(extraNotifier = ''): string {
  return `groups:
  - name: delivery
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
notifiers:
  - name: hook
    type: webhook
    url: ${webhook.url}/alerts
    secret: ${SECRET}
    ${TIMING}
  - name: am
    type: alertmanager
    urls: [${alertmanager.url}]
    ${TIMING}
  - name: mail
    type: email
    to: [oncall@example.com]
    from: vantage@example.com
    smtp: { host: ${smtp.host}, port: ${smtp.port}, secure: false }
    ${TIMING}
${extraNotifier}`;
}

/** Where the dashboard is reached: notifications link each alert to its rule's view there. */
const EXTERNAL_URL = 'https://vantage.example:8443/';
const RULE_LINK = 'https://vantage.example:8443/alerts?rule=QueueDeep';

interface WebhookBody {
  status: string;
  externalURL: string;
  alerts: { status: string; labels: Record<string, string>; generatorURL: string }[];
}

/** The webhook's notifications, each with its signature checked as a receiver must. */
function webhookStatuses(): string[] {
  return webhook.requests.map((r) => {
    const header = r.headers['x-vantage-signature'];
    const expected = `sha256=${createHmac('sha256', SECRET).update(r.body).digest('hex')}`;
    expect(typeof header).toBe('string');
    expect(timingSafeEqual(Buffer.from(header as string), Buffer.from(expected))).toBe(true);
    const body = JSON.parse(r.body) as WebhookBody;
    expect(body.alerts.map((a) => a.labels['alertname'])).toEqual(['QueueDeep']);
    expect(body.externalURL).toBe(EXTERNAL_URL);
    expect(body.alerts.map((a) => a.generatorURL)).toEqual([RULE_LINK]);
    return body.status;
  });
}

/** Alertmanager's own count of the alerts it was posted, by status. */
async function alertmanagerReceived(): Promise<{ firing: number; resolved: number }> {
  const text = await (await fetch(`${alertmanager.url}/metrics`)).text();
  const count = (status: string): number =>
    Number(
      new RegExp(
        `^alertmanager_alerts_received_total\\{status="${status}",version="v2"\\} (\\d+)$`,
        'm',
      ).exec(text)?.[1] ?? 0,
    );
  return { firing: count('firing'), resolved: count('resolved') };
}

interface AmAlert {
  labels: Record<string, string>;
  generatorURL: string;
  endsAt: string;
  status: { state: string };
}
async function alertmanagerAlerts(): Promise<AmAlert[]> {
  const res = await fetch(`${alertmanager.url}/api/v2/alerts`);
  expect(res.status).toBe(200);
  return ((await res.json()) as AmAlert[]).filter((a) => a.labels['alertname'] === 'QueueDeep');
}

const subjects = (): string[] =>
  smtp.messages().map((m) => /^Subject: (.*)$/m.exec(m)?.[1] ?? '(no subject)');

/** Every channel's notifications so far: what the test compares after each step. */
async function received(): Promise<{ webhook: string[]; alertmanager: object; email: string[] }> {
  return { webhook: webhookStatuses(), alertmanager: await alertmanagerReceived(), email: subjects() };
}

interface AlertJson {
  rule: string;
  state: string;
  labels: Record<string, string>;
  value: number;
  firedAt?: number;
}
async function alerts(): Promise<AlertJson[]> {
  return ((await (await fetch(`${vantage.api}/v1/alerts`)).json()) as { alerts: AlertJson[] }).alerts;
}

async function start(): Promise<void> {
  vantage = await startVantageProcess(join(dir, 'data'), [
    '--rules-dir',
    rulesDir,
    '--worker-linger',
    '20ms',
    '--external-url',
    EXTERNAL_URL,
  ]);
}
async function stop(): Promise<void> {
  vantage.child.kill('SIGTERM');
  expect(await vantage.exited).toBe(0);
}

/** Resolves once the group was evaluated after `after` (its rule's health says when). */
async function evaluatedAfter(after: number): Promise<void> {
  await eventually(
    async () => {
      const body = (await (await fetch(`${vantage.api}/v1/rules/delivery`)).json()) as {
        rules: { health: { lastEvaluation: number } | null }[];
      };
      return (body.rules[0]?.health?.lastEvaluation ?? 0) > after ? true : undefined;
    },
    30_000,
    'an evaluation',
  );
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-alert-delivery-'));
  rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  [webhook, alertmanager, smtp] = await Promise.all([
    WebhookReceiver.start(),
    startAlertmanager(join(dir, 'am')),
    startSmtpSink(join(dir, 'smtp')),
  ]);
  writeFileSync(join(rulesDir, 'delivery.yml'), rulesFile());
  await start();
});
afterAll(async () => {
  if (vantage?.child.exitCode === null) await stop();
  await Promise.all([webhook?.stop(), alertmanager?.stop(), smtp?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a file rule reaches a webhook, Alertmanager and an inbox (vantage start)', () => {
  let firedAt: number | undefined;

  it('fires on data sent through the collector and notifies each notifier once', async () => {
    const res = await postMetrics(vantage.collector, [
      { service: 'jobs', name: 'queue_depth', value: 250, timestamp: Date.now() },
    ]);
    expect(res.status).toBe(202);
    await eventually(
      async () => {
        const r = await received();
        return r.webhook.length > 0 && r.email.length > 0 && (await alertmanagerAlerts()).length > 0
          ? true
          : undefined;
      },
      45_000,
      'the three notifications',
    );
    const [firing, ...others] = await alerts();
    expect(others).toEqual([]);
    expect(firing).toMatchObject({
      rule: 'QueueDeep',
      state: 'firing',
      value: 250,
      labels: { alertname: 'QueueDeep', service_name: 'jobs', severity: 'page' },
    });
    firedAt = firing?.firedAt;
    const [am] = await alertmanagerAlerts();
    expect(am).toMatchObject({
      labels: { alertname: 'QueueDeep', service_name: 'jobs', severity: 'page' },
      status: { state: 'active' },
      generatorURL: RULE_LINK,
    });
    expect(await received()).toEqual({
      webhook: ['firing'],
      alertmanager: { firing: 1, resolved: 0 },
      email: ['[FIRING:1] QueueDeep'],
    });
    expect(smtp.messages()[0]).toContain('jobs holds 250 jobs');
  });

  it('sends no second firing notification after a restart on the same data directory', async () => {
    await stop();
    await start();
    const restarted = Date.now();
    // Three evaluations (5 s apart) hand the firing alert over again; group_interval is 2 s.
    await evaluatedAfter(restarted + 10_000);
    const [still] = await alerts();
    expect(still).toMatchObject({ state: 'firing', firedAt });
    expect(await received()).toEqual({
      webhook: ['firing'],
      alertmanager: { firing: 1, resolved: 0 },
      email: ['[FIRING:1] QueueDeep'],
    });
  });

  it('resolves when the data clears the condition and tells each notifier once', async () => {
    await postMetrics(vantage.collector, [
      { service: 'jobs', name: 'queue_depth', value: 3, timestamp: Date.now() },
    ]);
    await eventually(
      async () => {
        const r = await received();
        return r.webhook.length > 1 && r.email.length > 1 && (await alertmanagerReceived()).resolved > 0
          ? true
          : undefined;
      },
      45_000,
      'the three resolved notifications',
    );
    expect(await alerts()).toEqual([]);
    expect(await received()).toEqual({
      webhook: ['firing', 'resolved'],
      alertmanager: { firing: 1, resolved: 1 },
      email: ['[FIRING:1] QueueDeep', '[RESOLVED:1] QueueDeep'],
    });
    // Alertmanager lists a resolved alert no more, or lists it as ended.
    for (const a of await alertmanagerAlerts()) expect(Date.parse(a.endsAt)).toBeLessThanOrEqual(Date.now());
    const res = await fetch(`${vantage.api}/v1/alerts/history?rule=QueueDeep&from=now-1h`);
    const { entries } = (await res.json()) as { entries: { state: string }[] };
    expect(entries.map((e) => e.state)).toEqual(['resolved', 'firing', 'pending']);
  });
});

describe('the rules directory in vantage start', () => {
  interface RulesJson {
    groups: { name: string }[];
    refused: { message: string }[];
  }
  const rules = async (): Promise<RulesJson> =>
    (await (await fetch(`${vantage.api}/v1/rules`)).json()) as RulesJson;
  const notifierNames = async (): Promise<string[]> =>
    (
      (await (await fetch(`${vantage.api}/v1/notifiers`)).json()) as {
        notifiers: { config: { name: string } }[];
      }
    ).notifiers.map((n) => n.config.name);
  const refusedTotal = async (): Promise<number> =>
    Number(
      /^vantage_alerts_rule_files_refused_total(?:\{[^}]*\})? (\d+)$/m.exec(
        await (await fetch(vantage.apiMetrics)).text(),
      )?.[1] ?? 0,
    );

  it('refuses a file whose notifiers clash, naming it, and keeps the rules and notifiers in force', async () => {
    const before = await refusedTotal();
    // A second file that declares a notifier the first one has already: the clash is this file's.
    const clash = rulesFile()
      .replace('name: delivery', 'name: clash')
      .replace(
        /notifiers:[\s\S]*/,
        `notifiers:\n  - name: hook\n    type: webhook\n    url: ${webhook.url}/other\n`,
      );
    writeFileSync(join(rulesDir, 'clash.yml'), clash);
    const refused = await eventually(
      async () => {
        const body = await rules();
        return body.refused.length > 0 ? body : undefined;
      },
      10_000,
      'the file to be refused',
    );
    expect(refused.refused.map((r) => r.message)).toEqual([
      expect.stringMatching(/^clash\.yml:\d+: notifiers\[0\]\.name: .*hook/),
    ]);
    expect(refused.groups.map((g) => g.name)).toEqual(['delivery']);
    expect(await notifierNames()).toEqual(['am', 'hook', 'mail']);
    expect(await refusedTotal()).toBeGreaterThan(before);
    expect(vantage.output()).toContain('"code":"VTG_RULES_INVALID"');
  });

  it('refuses a changed file whose notifiers repeat a name, keeping its previous version', async () => {
    rmSync(join(rulesDir, 'clash.yml'));
    writeFileSync(
      join(rulesDir, 'delivery.yml'),
      rulesFile(`  - name: mail\n    type: webhook\n    url: ${webhook.url}/twice\n`).replace(
        "'> 100'",
        "'> 1'",
      ),
    );
    const refused = await eventually(
      async () => {
        const body = await rules();
        return body.refused.some((r) => r.message.startsWith('delivery.yml')) ? body : undefined;
      },
      10_000,
      'the changed file to be refused',
    );
    expect(refused.refused.map((r) => r.message)).toEqual([
      expect.stringMatching(/^delivery\.yml:\d+: notifiers\[3\]\.name: .*mail/),
    ]);
    const group = (await (await fetch(`${vantage.api}/v1/rules/delivery`)).json()) as {
      rules: { condition: string }[];
    };
    expect(group.rules[0]?.condition).toBe('> 100');
    expect(await notifierNames()).toEqual(['am', 'hook', 'mail']);
  });

  it('reads a changed file again on SIGHUP', async () => {
    writeFileSync(join(rulesDir, 'delivery.yml'), rulesFile());
    await eventually(
      async () => ((await rules()).refused.length === 0 ? true : undefined),
      10_000,
      'a clean load',
    );
    // A file reached through a symlink: changing its target is no change to the directory that
    // fs.watch could see, as with a Kubernetes ConfigMap; only SIGHUP reads it again.
    const outside = join(dir, 'outside');
    mkdirSync(outside);
    const linked = (name: string): string =>
      rulesFile()
        .replace('name: delivery', `name: ${name}`)
        .replace(/notifiers:[\s\S]*/, '');
    writeFileSync(join(outside, 'linked.yml'), linked('linked-before'));
    symlinkSync(join(outside, 'linked.yml'), join(rulesDir, 'linked.yml'));
    const names = async (): Promise<string[]> => (await rules()).groups.map((g) => g.name).sort();
    await eventually(
      async () => ((await names()).includes('linked-before') ? true : undefined),
      10_000,
      'the linked file to load',
    );
    writeFileSync(join(outside, 'linked.yml'), linked('linked-after'));
    vantage.child.kill('SIGHUP');
    await eventually(
      async () => ((await names()).includes('linked-after') ? true : undefined),
      10_000,
      'the changed linked group after SIGHUP',
    );
    expect(await names()).toEqual(['delivery', 'linked-after']);
  });
});

describe('a resolution still held by the notifier when vantage start stops', () => {
  it('is sent after the restart', async () => {
    await stop();
    const restartDir = join(dir, 'restart-rules');
    mkdirSync(restartDir);
    // A long group_interval holds the resolution back: it is still to send when Vantage stops.
    const file = rulesFile()
      .replace(/notifiers:[\s\S]*/, '')
      .concat(
        `notifiers:\n  - name: held\n    type: webhook\n    url: ${webhook.url}/held\n` +
          '    group_wait: 1s\n    group_interval: 1h\n    repeat_interval: 1h\n',
      );
    writeFileSync(join(restartDir, 'held.yml'), file);
    const data = join(dir, 'restart-data');
    const args = ['--rules-dir', restartDir, '--worker-linger', '20ms'];
    vantage = await startVantageProcess(data, args);
    const held = (): string[] =>
      webhook.requests
        .filter((r) => r.path === '/held')
        .map((r) => (JSON.parse(r.body) as WebhookBody).status);
    await postMetrics(vantage.collector, [
      { service: 'batch', name: 'queue_depth', value: 500, timestamp: Date.now() },
    ]);
    await eventually(async () => (held().length > 0 ? true : undefined), 45_000, 'the firing notification');
    await postMetrics(vantage.collector, [
      { service: 'batch', name: 'queue_depth', value: 1, timestamp: Date.now() },
    ]);
    await eventually(
      async () => ((await alerts()).length === 0 ? true : undefined),
      30_000,
      'the alert to resolve',
    );
    expect(held()).toEqual(['firing']);
    await stop();
    vantage = await startVantageProcess(data, args);
    await eventually(async () => (held().length > 1 ? true : undefined), 30_000, 'the resolved notification');
    expect(held()).toEqual(['firing', 'resolved']);
  });
});
