import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseRulesFile, Ruler, SqliteAlertStateStore } from '../alerting/index.js';
import { ApiKeyVerifier } from '../http/index.js';
import { captureLogger } from '../../test/support/capture-logger.js';
import { RecordingAlertSink } from '../../test/support/recording-alert-sink.js';
import { EMPTY_STORE, testApiServer } from '../../test/support/test-api-server.js';

const NOW = Date.UTC(2026, 0, 1, 12);
const FILE = `groups:
  - name: from-file
    rules:
      - alert: Busy
        vql: SELECT service_name, count(value) FROM metrics GROUP BY service_name
        condition: '> 100'
`;
const API_GROUP = {
  name: 'from-api',
  interval: '1m',
  rules: [
    {
      alert: 'Slow',
      vql: "SELECT service_name, p99(value) FROM metrics WHERE metric_name = 'latency_ms' GROUP BY service_name",
      condition: '> 500',
      for: '2m',
      annotations: { summary: '{{ $labels.service_name }} p99 {{ $value }}' },
    },
  ],
};

let dir: string;
let state: SqliteAlertStateStore;
let ruler: Ruler;
let app: FastifyInstance;

async function start(): Promise<void> {
  state = new SqliteAlertStateStore(join(dir, 'alerting.db'));
  ruler = new Ruler({
    store: EMPTY_STORE,
    state,
    sink: new RecordingAlertSink(),
    logger: captureLogger().logger,
    limits: { maxRules: 3, maxInstancesPerRule: 10 },
    clock: () => NOW,
    tickMs: 3_600_000,
  });
  const parsed = parseRulesFile('team.yml', FILE, NOW);
  if (!parsed.ok) throw new Error('refused');
  ruler.setFileGroups('team.yml', parsed.document.groups);
  await ruler.start();
  app = await testApiServer({
    store: EMPTY_STORE,
    apiKeys: new ApiKeyVerifier(['the-key']),
    alerting: { ruler, state, clock: () => NOW },
  });
}

async function stop(): Promise<void> {
  await app.close();
  await ruler.stop();
  await state.close();
}

const auth = { authorization: 'Bearer the-key' };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-rules-api-'));
  await start();
});
afterEach(async () => {
  await stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('the rules API', () => {
  it('needs the API key', async () => {
    const res = await app.inject({ method: 'GET', url: '/v1/rules' });
    expect(res.statusCode).toBe(401);
  });

  it('puts a group, lists it beside the file groups, and keeps it across a restart', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/rules/from-api',
      headers: auth,
      payload: API_GROUP,
    });
    expect(put.statusCode).toBe(200);
    expect(put.json()).toMatchObject({ name: 'from-api', interval: '1m', source: { kind: 'api' } });
    await stop();
    await start();
    const list = await app.inject({ method: 'GET', url: '/v1/rules', headers: auth });
    expect(
      list.json().groups.map((g: { name: string; source: { kind: string } }) => [g.name, g.source.kind]),
    ).toEqual([
      ['from-file', 'file'],
      ['from-api', 'api'],
    ]);
    const one = await app.inject({ method: 'GET', url: '/v1/rules/from-api', headers: auth });
    expect(one.json().rules[0]).toMatchObject({ alert: 'Slow', condition: '> 500', for: '2m', health: null });
  });

  it('refuses a bad body whole, naming the field', async () => {
    const bad = { ...API_GROUP, rules: [{ ...API_GROUP.rules[0], vql: 'SELECT nonsense(' }] };
    const res = await app.inject({ method: 'PUT', url: '/v1/rules/from-api', headers: auth, payload: bad });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'VTG_RULES_INVALID', field: 'rules[0].vql' });
    expect(res.json().error.message).toMatch(/^The rules are refused: body: rules\[0\]\.vql: VTG_VQL_/);
    const list = await app.inject({ method: 'GET', url: '/v1/rules', headers: auth });
    expect(list.json().groups).toHaveLength(1);
  });

  it('refuses to change or delete a file group, a missing group, and too many rules', async () => {
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/rules/from-file',
      headers: auth,
      payload: { ...API_GROUP, name: 'from-file' },
    });
    expect(put.statusCode).toBe(409);
    expect(put.json().error.code).toBe('VTG_RULES_READ_ONLY');
    const del = await app.inject({ method: 'DELETE', url: '/v1/rules/from-file', headers: auth });
    expect(del.json().error.code).toBe('VTG_RULES_READ_ONLY');
    const missing = await app.inject({ method: 'DELETE', url: '/v1/rules/nope', headers: auth });
    expect([missing.statusCode, missing.json().error.code]).toEqual([404, 'VTG_RULES_GROUP_NOT_FOUND']);
    const many = { ...API_GROUP, rules: ['A', 'B', 'C'].map((alert) => ({ ...API_GROUP.rules[0], alert })) };
    const over = await app.inject({ method: 'PUT', url: '/v1/rules/from-api', headers: auth, payload: many });
    expect([over.statusCode, over.json().error.code]).toEqual([400, 'VTG_RULES_TOO_MANY']);
  });

  it('deletes an API group, for good', async () => {
    await app.inject({ method: 'PUT', url: '/v1/rules/from-api', headers: auth, payload: API_GROUP });
    const del = await app.inject({ method: 'DELETE', url: '/v1/rules/from-api', headers: auth });
    expect(del.statusCode).toBe(204);
    await stop();
    await start();
    const res = await app.inject({ method: 'GET', url: '/v1/rules/from-api', headers: auth });
    expect(res.statusCode).toBe(404);
  });
});

describe('the alerts API', () => {
  it('lists active alerts and filters the history', async () => {
    const labels = { alertname: 'Slow', service_name: 'checkout' };
    const alert = {
      fingerprint: 'f1',
      rule: 'Slow',
      group: 'g',
      labels,
      annotations: {},
      value: 700,
      activeAt: NOW - 120_000,
    };
    await state.saveEvaluation({
      group: 'g',
      at: NOW - 60_000,
      active: [{ ...alert, state: 'firing', firedAt: NOW - 60_000, lastMetAt: NOW - 60_000 }],
      transitions: [
        { alert: { ...alert, state: 'pending' }, at: NOW - 120_000 },
        { alert: { ...alert, state: 'firing', firedAt: NOW - 60_000 }, at: NOW - 60_000 },
      ],
      seen: [],
      delivered: true,
    });
    const now = await app.inject({ method: 'GET', url: '/v1/alerts', headers: auth });
    expect(now.json().alerts).toEqual([
      {
        fingerprint: 'f1',
        rule: 'Slow',
        group: 'g',
        labels,
        annotations: {},
        value: 700,
        state: 'firing',
        since: NOW - 120_000,
        firedAt: NOW - 60_000,
      },
    ]);
    const limited = await app.inject({ method: 'GET', url: '/v1/alerts?limit=1', headers: auth });
    expect(limited.json().total).toBe(1);
    const tooMany = await app.inject({ method: 'GET', url: '/v1/alerts?limit=10001', headers: auth });
    expect([tooMany.statusCode, tooMany.json().error.code]).toEqual([400, 'VTG_QUERY_INVALID_PARAMETER']);
    const firing = await app.inject({
      method: 'GET',
      url: '/v1/alerts/history?state=firing&from=now-1h',
      headers: auth,
    });
    expect(firing.json().entries.map((e: { state: string; at: number }) => [e.state, e.at])).toEqual([
      ['firing', NOW - 60_000],
    ]);
    const none = await app.inject({ method: 'GET', url: '/v1/alerts/history?rule=Other', headers: auth });
    expect(none.json().entries).toEqual([]);
    const bad = await app.inject({ method: 'GET', url: '/v1/alerts/history?from=yesterday', headers: auth });
    expect([bad.statusCode, bad.json().error.code, bad.json().error.field]).toEqual([
      400,
      'VTG_QUERY_INVALID_TIME',
      'from',
    ]);
  });
});
