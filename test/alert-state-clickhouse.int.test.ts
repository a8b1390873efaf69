import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseAlertStateStore } from '../src/alerting/index.js';
import type { ActiveAlert } from '../src/alerting/alert-state-machine.js';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';

/** The distributed ruler's state on the real ClickHouse: replace-by-version, retention, API groups. */
const database = freshDatabaseName('vantage_alert_state');
let store: ClickHouseAlertStateStore;
const DAY = 86_400_000;
const NOW = Date.now();

function alert(fingerprint: string, state: 'pending' | 'firing', at: number): ActiveAlert {
  return {
    fingerprint,
    rule: 'QueueDeep',
    group: 'queues',
    labels: { alertname: 'QueueDeep', service_name: fingerprint },
    annotations: {},
    state,
    value: Number.NaN,
    activeAt: at,
    ...(state === 'firing' ? { firedAt: at } : {}),
    lastMetAt: at,
  };
}

beforeAll(async () => {
  const client = adminClient();
  await client.command({ query: `CREATE DATABASE ${database}` });
  await client.close();
  store = await ClickHouseAlertStateStore.open({ url: clickHouseUrl(), database });
});
afterAll(async () => {
  await store.close();
  const client = adminClient();
  await dropDatabase(client, database);
  await client.close();
});

describe('ClickHouseAlertStateStore', () => {
  it("replaces a group's active alerts with each evaluation and records when it was delivered", async () => {
    const a = alert('a', 'firing', NOW - 400 * DAY);
    const b = alert('b', 'pending', NOW - DAY);
    await store.saveEvaluation({
      group: 'queues',
      at: NOW - DAY,
      active: [a, b],
      transitions: [{ alert: { ...a, state: 'firing' }, at: NOW - 400 * DAY }],
      seen: [],
      delivered: true,
    });
    expect((await store.activeAlerts('queues')).map((x) => x.fingerprint)).toEqual(['a', 'b']);
    const [first] = await store.activeAlerts();
    expect(first?.value).toBeNaN();
    expect(first?.firedAt).toBe(NOW - 400 * DAY);
    await store.saveEvaluation({
      group: 'queues',
      at: NOW,
      active: [a],
      transitions: [{ alert: { ...b, state: 'resolved', resolvedAt: NOW - 366 * DAY }, at: NOW - 366 * DAY }],
      seen: [],
      delivered: false,
    });
    expect((await store.activeAlerts('queues')).map((x) => x.fingerprint)).toEqual(['a']);
    expect(await store.lastDelivery('queues')).toBe(NOW - DAY);
    expect(await store.lastDelivery('other')).toBeUndefined();
  });

  it('prunes resolved history past a year and keeps the history of alerts still active', async () => {
    const removed = await store.pruneHistory(NOW - 365 * DAY);
    expect(removed).toBe(1);
    const left = await store.history({ from: 0, to: NOW + 1, limit: 10 });
    expect(left.map((e) => [e.fingerprint, e.state])).toEqual([['a', 'firing']]);
  });

  it('keeps API rule groups, the latest version of each, and forgets deleted ones', async () => {
    await store.putRuleGroup({ name: 'g', body: { name: 'g', rules: [] }, updatedAt: 1 });
    await store.putRuleGroup({ name: 'g', body: { name: 'g', interval: '1m', rules: [] }, updatedAt: 2 });
    expect(await store.ruleGroups()).toEqual([
      { name: 'g', body: { name: 'g', interval: '1m', rules: [] }, updatedAt: 2 },
    ]);
    expect(await store.deleteRuleGroup('g')).toBe(true);
    expect(await store.deleteRuleGroup('g')).toBe(false);
    expect(await store.ruleGroups()).toEqual([]);
  });
});
