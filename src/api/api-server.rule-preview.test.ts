import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSample, canonicalTags, floorTo, MINUTE_MS, newAggregate } from '../core/index.js';
import type { TierRetention } from '../core/index.js';
import { Ruler, SqliteAlertStateStore } from '../alerting/index.js';
import { ApiKeyVerifier } from '../http/index.js';
import { SqliteStore } from '../storage/index.js';
import { captureLogger } from '../../test/support/capture-logger.js';
import { RecordingAlertSink } from '../../test/support/recording-alert-sink.js';
import { testApiServer } from '../../test/support/test-api-server.js';

const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const NOW = Date.UTC(2026, 0, 1, 12);
const auth = { authorization: 'Bearer the-key' };
const GROUP = `name: checkout
interval: 30s
rules:
  - alert: LatencyHigh
    vql: >-
      SELECT service_name, max(value) FROM metrics
      WHERE metric_name = 'latency_ms' AND timestamp > now() - 5m GROUP BY service_name
    condition: '> 500'
    for: 1m
`;

let dir: string;
let store: SqliteStore;
let state: SqliteAlertStateStore;
let ruler: Ruler;
let app: FastifyInstance;

async function send(service: string, value: number): Promise<void> {
  const at = NOW - 60_000;
  const a = newAggregate(service, 'latency_ms', 'gauge', canonicalTags({}), floorTo(at, MINUTE_MS));
  addSample(a, value, at);
  await store.write([a], []);
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-rule-preview-'));
  store = new SqliteStore({ path: join(dir, 'vantage.db'), retention: FOREVER });
  state = new SqliteAlertStateStore(join(dir, 'alerting.db'));
  ruler = new Ruler({
    store,
    state,
    sink: new RecordingAlertSink(),
    logger: captureLogger().logger,
    limits: { maxRules: 10, maxInstancesPerRule: 100 },
    retention: FOREVER,
    clock: () => NOW,
    tickMs: 3_600_000,
  });
  await ruler.start();
  app = await testApiServer({
    store,
    apiKeys: new ApiKeyVerifier(['the-key']),
    alerting: { ruler, state, clock: () => NOW },
  });
});
afterEach(async () => {
  await app.close();
  await ruler.stop();
  await state.close();
  await store.close();
  rmSync(dir, { recursive: true, force: true });
});

const preview = (yaml: string) =>
  app.inject({ method: 'POST', url: '/v1/rules/preview', headers: auth, payload: { yaml } });

describe('POST /v1/rules/preview', () => {
  it('runs each rule once on the data now and says which groups meet the condition, storing nothing', async () => {
    await send('checkout', 900);
    await send('cart', 700);
    await send('search', 120);
    const res = await preview(GROUP);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.valid).toBe(true);
    expect(body.problems).toEqual([]);
    expect(body.rules).toHaveLength(1);
    expect(body.rules[0]).toMatchObject({
      alert: 'LatencyHigh',
      kind: 'threshold',
      condition: '> 500',
      meeting: 2,
    });
    const rows = (body.rules[0].rows as { labels: Record<string, string>; value: number; meets: boolean }[])
      .map((r) => [r.labels.service_name, r.value, r.meets])
      .sort();
    expect(rows).toEqual([
      ['cart', 700, true],
      ['checkout', 900, true],
      ['search', 120, false],
    ]);
    // Neither a group in force nor any alert state came of it.
    expect(ruler.rules.get('checkout')).toBeUndefined();
    expect(await state.activeAlerts()).toEqual([]);
    expect(await state.ruleGroups()).toEqual([]);
  });

  it('reports the problems PUT would refuse with, by field and by line of the text', async () => {
    const bad = GROUP.replace("condition: '> 500'", "condition: 'above 500'").replace(
      'max(value) FROM metrics',
      'max(value FROM metrics',
    );
    const res = await preview(bad);
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body.valid).toBe(false);
    expect(body.rules).toEqual([]);
    const byField = Object.fromEntries(
      (body.problems as { field: string; line?: number }[]).map((p) => [p.field, p.line]),
    );
    expect(byField['rules[0].condition']).toBe(8);
    expect(byField['rules[0].vql']).toBeGreaterThanOrEqual(5);
    // The same text, as PUT's JSON body, is refused on the same field.
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/rules/checkout',
      headers: auth,
      payload: {
        name: 'checkout',
        rules: [{ alert: 'LatencyHigh', vql: 'SELECT max(value) FROM metrics', condition: 'above 500' }],
      },
    });
    expect(put.statusCode).toBe(400);
    expect(put.json().error).toMatchObject({ code: 'VTG_RULES_INVALID', field: 'rules[0].condition' });
  });

  it('reports a YAML syntax error with its line; refuses a body without the text, and too many rules', async () => {
    const res = await preview('name: x\nrules:\n  - alert: A\n    vql: [\n');
    expect(res.json()).toMatchObject({ valid: false, rules: [] });
    expect(res.json().problems[0].line).toBeGreaterThanOrEqual(4);
    const none = await app.inject({ method: 'POST', url: '/v1/rules/preview', headers: auth, payload: {} });
    expect(none.statusCode).toBe(400);
    // More rules than could ever be in force (10 here): refused before any query runs.
    const rule = GROUP.slice(GROUP.indexOf('  - alert'));
    const many = `name: many\nrules:\n${Array.from({ length: 11 }, (_, i) => rule.replace('LatencyHigh', `R${i}`)).join('')}`;
    const tooMany = await preview(many);
    expect(tooMany.statusCode).toBe(400);
    expect(tooMany.json().error).toMatchObject({ code: 'VTG_RULES_TOO_MANY' });
  });

  it('is described in /openapi.json with its body and answer', async () => {
    const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json<{
      paths: Record<string, Record<string, { requestBody?: unknown; responses?: Record<string, unknown> }>>;
    }>();
    const op = spec.paths['/v1/rules/preview']?.post;
    expect(op?.requestBody).toBeDefined();
    expect(op?.responses?.['200']).toBeDefined();
  });

  it('needs the API key', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/rules/preview', payload: { yaml: GROUP } });
    expect(res.statusCode).toBe(401);
  });
});
