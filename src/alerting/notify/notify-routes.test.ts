import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { Registry } from 'prom-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { EMPTY_STORE, testApiServer } from '../../../test/support/test-api-server.js';
import { NotificationService } from './notification-service.js';
import { createNotifyMetrics } from './notify-metrics.js';
import { SqliteNotifyStore } from './sqlite-notify-store.js';

const NOW = Date.UTC(2026, 0, 1, 12);
let dir: string;
let svc: NotificationService;
let app: FastifyInstance;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-notify-routes-'));
  svc = await NotificationService.open({
    store: new SqliteNotifyStore(join(dir, 'alerting.db')),
    metrics: createNotifyMetrics(new Registry()),
    logger: pino({ level: 'silent' }),
    limits: { maxSilences: 10, maxNotifiers: 4, queueMax: 10 },
    alertmanagerUrls: ['http://am.test:9093'],
    externalUrl: '',
    clock: () => NOW,
    closeStore: true,
  });
  svc.setFileNotifiers([
    { name: 'from-file', type: 'webhook', url: 'http://hooks.test/x', secret: 's3cret' },
  ]);
  app = await testApiServer({ store: EMPTY_STORE, notifications: svc });
});
afterEach(async () => {
  await app.close();
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('/v1/silences', () => {
  it('creates, lists and expires a silence', async () => {
    const created = await app.inject({
      method: 'POST',
      url: '/v1/silences',
      payload: {
        matchers: [{ name: 'service', op: '=~', value: 'check.*' }],
        endsAt: 'now+2h',
        comment: 'deploy',
      },
    });
    expect(created.statusCode).toBe(201);
    const { silence } = created.json<{ silence: { id: string; endsAt: number; state: string } }>();
    expect(silence).toMatchObject({ endsAt: NOW + 7_200_000, state: 'active' });
    const list = await app.inject({ method: 'GET', url: '/v1/silences' });
    expect(list.json<{ silences: { id: string }[] }>().silences.map((s) => s.id)).toEqual([silence.id]);
    const expired = await app.inject({ method: 'DELETE', url: `/v1/silences/${silence.id}` });
    expect(expired.json<{ silence: { state: string } }>().silence.state).toBe('expired');
    const missing = await app.inject({ method: 'DELETE', url: '/v1/silences/nope' });
    expect(missing.statusCode).toBe(404);
    expect(missing.json<{ error: { code: string } }>().error.code).toBe('VTG_NOTIFY_SILENCE_NOT_FOUND');
  });

  it('refuses a bad operator, a bad regex and an end in the past, naming the field', async () => {
    const post = (payload: Record<string, unknown>) =>
      app.inject({ method: 'POST', url: '/v1/silences', payload });
    const badOp = await post({ matchers: [{ name: 'a', op: '~', value: 'x' }], endsAt: 'now+1h' });
    expect(badOp.statusCode).toBe(400);
    const badRegex = await post({ matchers: [{ name: 'a', op: '=~', value: '[' }], endsAt: 'now+1h' });
    expect(badRegex.json<{ error: { code: string; field: string } }>().error).toMatchObject({
      code: 'VTG_NOTIFY_SILENCE_INVALID',
      field: 'matchers[0].value',
    });
    const past = await post({ matchers: [{ name: 'a', op: '=', value: 'x' }], endsAt: NOW - 1 });
    expect(past.json<{ error: { field: string } }>().error.field).toBe('endsAt');
    const garbage = await post({ matchers: [{ name: 'a', op: '=', value: 'x' }], endsAt: 'tomorrowish' });
    expect(garbage.json<{ error: { code: string } }>().error.code).toBe('VTG_NOTIFY_SILENCE_INVALID');
  });
});

describe('/v1/notifiers', () => {
  it('puts, reads with secrets redacted, and deletes a notifier', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/mail',
      payload: {
        type: 'email',
        to: ['oncall@example.com'],
        from: 'vantage@example.com',
        smtp: { host: 'smtp.example.com', port: 587, user: 'u', password: 'p4ss' },
      },
    });
    expect(put.statusCode).toBe(201);
    expect(put.body).not.toContain('p4ss');
    const slack = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/chat',
      payload: { type: 'slack', url: 'https://hooks.slack.com/services/T1/B2/token' },
    });
    expect(slack.json<{ config: { url: string } }>().config.url).toBe('https://hooks.slack.com/***');
    const list = await app.inject({ method: 'GET', url: '/v1/notifiers' });
    expect(list.body).not.toContain('p4ss');
    expect(list.body).not.toContain('s3cret');
    expect(list.body).not.toContain('token');
    const names = list.json<{ notifiers: { source: string; config: { name: string } }[] }>().notifiers;
    expect(names.map((n) => [n.config.name, n.source])).toEqual([
      ['alertmanager-url', 'settings'],
      ['chat', 'api'],
      ['from-file', 'file'],
      ['mail', 'api'],
    ]);
    expect((await app.inject({ method: 'DELETE', url: '/v1/notifiers/mail' })).statusCode).toBe(204);
    expect((await app.inject({ method: 'GET', url: '/v1/notifiers/mail' })).statusCode).toBe(404);
  });

  it('refuses changing a file or settings notifier, a bad body and one past the limit', async () => {
    const readOnly = await app.inject({
      method: 'DELETE',
      url: '/v1/notifiers/from-file',
    });
    expect(readOnly.statusCode).toBe(409);
    expect(readOnly.json<{ error: { code: string } }>().error.code).toBe('VTG_NOTIFY_NOTIFIER_READ_ONLY');
    const bad = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/x',
      payload: { type: 'webhook', url: 'nope' },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ error: { code: string; field: string } }>().error).toMatchObject({
      code: 'VTG_NOTIFY_NOTIFIER_INVALID',
      field: 'url',
    });
    const ok = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/x',
      payload: { type: 'webhook', url: 'http://h.test/' },
    });
    expect(ok.statusCode).toBe(201);
    const y = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/y',
      payload: { type: 'webhook', url: 'http://h.test/' },
    });
    expect(y.statusCode).toBe(201);
    // Replacing one is no new notifier: the limit does not apply.
    const again = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/y',
      payload: { type: 'webhook', url: 'http://h2.test/' },
    });
    expect(again.statusCode).toBe(200);
    const full = await app.inject({
      method: 'PUT',
      url: '/v1/notifiers/z',
      payload: { type: 'webhook', url: 'http://h.test/' },
    });
    expect(full.statusCode).toBe(422);
    expect(full.json<{ error: { code: string } }>().error.code).toBe('VTG_NOTIFY_NOTIFIER_LIMIT');
  });
});

describe('/v1/notifications', () => {
  it('answers failed notifications only when asked, and refuses an unknown state', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/notifications?state=failed' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ notifications: [] });
    expect((await app.inject({ method: 'GET', url: '/v1/notifications?state=lost' })).statusCode).toBe(400);
  });

  it('are listed in the OpenAPI document', async () => {
    const paths = Object.keys(
      (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{ paths: object }>().paths,
    );
    expect(paths).toEqual(
      expect.arrayContaining([
        '/v1/silences',
        '/v1/silences/{id}',
        '/v1/notifications',
        '/v1/notifiers',
        '/v1/notifiers/{name}',
      ]),
    );
  });
});
