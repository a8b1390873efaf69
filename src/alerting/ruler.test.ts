import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addSample, canonicalTags, floorTo, MINUTE_MS, newAggregate } from '../core/index.js';
import type { TierRetention } from '../core/index.js';
import { SqliteStore } from '../storage/index.js';
import type { Store } from '../storage/index.js';
import { captureLogger } from '../../test/support/capture-logger.js';
import { RecordingAlertSink } from '../../test/support/recording-alert-sink.js';
import { parseRulesFile } from './rules-file.js';
import { RESOLVED_REDELIVERY_MS, Ruler } from './ruler.js';
import { SqliteAlertStateStore } from './sqlite-alert-state-store.js';

const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const T0 = Date.UTC(2026, 0, 1, 12);
const RULES = `groups:
  - name: checkout
    interval: 30s
    rules:
      - alert: LatencyHigh
        vql: >-
          SELECT service_name, max(value) FROM metrics
          WHERE metric_name = 'latency_ms' AND timestamp > now() - 3m GROUP BY service_name
        condition: '> 500'
        for: 1m
        labels: { severity: critical }
        annotations: { summary: '{{ $labels.service_name }} at {{ $value }} ms' }
      - alert: Silent
        no_data: true
        vql: SELECT service_name, count(value) FROM metrics WHERE timestamp > now() - 3m GROUP BY service_name
`;

let dir: string;
let now: number;
const closers: (() => Promise<void>)[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-ruler-'));
  now = T0;
});
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(): SqliteStore {
  const store = new SqliteStore({ path: join(dir, 'vantage.db'), retention: FOREVER });
  closers.push(() => store.close());
  return store;
}

async function send(
  store: SqliteStore,
  service: string,
  value: number,
  at: number,
  tags: Record<string, string> = {},
): Promise<void> {
  const a = newAggregate(service, 'latency_ms', 'gauge', canonicalTags(tags), floorTo(at, MINUTE_MS));
  addSample(a, value, at);
  await store.write([a], []);
}

/** A ruler on the state file in `dir`, as a process would start one. */
async function startRuler(
  store: Pick<Store, 'queryVql'>,
  sink: RecordingAlertSink,
  maxInstancesPerRule = 100,
  rules = RULES,
) {
  const state = new SqliteAlertStateStore(join(dir, 'alerting.db'));
  const ruler = new Ruler({
    store,
    state,
    sink,
    logger: captureLogger().logger,
    limits: { maxRules: 100, maxInstancesPerRule },
    retention: FOREVER,
    clock: () => now,
    tickMs: 3_600_000,
  });
  const parsed = parseRulesFile('rules.yml', rules, now);
  if (!parsed.ok) throw new Error('rules refused');
  ruler.setFileGroups('rules.yml', parsed.document.groups);
  await ruler.start();
  const stop = async () => {
    await ruler.stop();
    await state.close();
  };
  closers.push(stop);
  return { ruler, state, stop };
}

describe('Ruler on a real SQLite store and state file', () => {
  it('goes pending, fires, survives a restart without a second firing, resolves and keeps history', async () => {
    const store = openStore();
    const sink = new RecordingAlertSink();
    await send(store, 'checkout', 900, now - 10_000);
    let { ruler, state, stop } = await startRuler(store, sink);

    await ruler.runDue();
    expect((await state.activeAlerts()).map((a) => a.state)).toEqual(['pending']);
    expect(sink.deliveries.at(-1)?.alerts).toEqual([]);

    // A restart while pending: the `for` timer keeps its start.
    await stop();
    ({ ruler, state, stop } = await startRuler(store, sink));
    now += 30_000;
    await send(store, 'checkout', 950, now - 5_000);
    await ruler.runDue();
    expect((await state.activeAlerts())[0]).toMatchObject({ state: 'pending', activeAt: T0 });
    now += 30_000;
    await ruler.runDue();
    const [firing] = await state.activeAlerts();
    expect(firing).toMatchObject({
      state: 'firing',
      activeAt: T0,
      firedAt: T0 + 60_000,
      value: 950,
      labels: { service_name: 'checkout', severity: 'critical', alertname: 'LatencyHigh' },
      annotations: { summary: 'checkout at 950 ms' },
    });

    // A restart while firing: the next evaluation hands the same firing over, not a new one.
    await stop();
    ({ ruler, state, stop } = await startRuler(store, sink));
    await ruler.runDue();
    expect(sink.deliveries.at(-1)?.at).toBe(T0 + 60_000); // not due again before its interval
    now += 30_000;
    await ruler.runDue();
    expect(sink.deliveries.at(-1)?.alerts.map((a) => [a.state, a.firedAt])).toEqual([
      ['firing', T0 + 60_000],
    ]);

    // The data ages out of the rule's window: resolved, once.
    now += 3 * 60_000;
    await ruler.runDue();
    now += 30_000;
    await ruler.runDue();
    expect(sink.notifications().map((n) => [n.rule, n.state, n.at])).toEqual([
      ['LatencyHigh', 'firing', T0 + 60_000],
      ['LatencyHigh', 'resolved', T0 + 270_000],
      // The service went silent too: the no-data rule of the group fires (its `for` is 0).
      ['Silent', 'firing', T0 + 270_000],
    ]);
    const history = await state.history({ from: T0, to: now + 1, rule: 'LatencyHigh', limit: 100 });
    expect(history.map((h) => [h.state, h.at])).toEqual([
      ['resolved', T0 + 270_000],
      ['firing', T0 + 60_000],
      ['pending', T0],
    ]);
  });

  it('hands the alerts resolved in the last 15 minutes over again when it starts', async () => {
    const store = openStore();
    await send(store, 'checkout', 900, now - 10_000);
    const first = await startRuler(store, new RecordingAlertSink());
    const ruler = first.ruler;
    let stop = first.stop;
    await ruler.runDue();
    now += 60_000;
    await ruler.runDue();
    // Out of the rule's window: resolved at T0 + 240 s.
    now += 180_000;
    await ruler.runDue();
    await stop();

    // The notification side may have held that resolution when the process stopped.
    let sink = new RecordingAlertSink();
    ({ stop } = await startRuler(store, sink));
    expect(
      sink.deliveries.map((d) => d.alerts.map((a) => [a.rule, a.state, a.firedAt, a.resolvedAt])),
    ).toEqual([[['LatencyHigh', 'resolved', T0 + 60_000, T0 + 240_000]]]);
    await stop();

    // Past RESOLVED_REDELIVERY_MS it is not handed over again.
    now = T0 + 240_000 + RESOLVED_REDELIVERY_MS + 1;
    sink = new RecordingAlertSink();
    await startRuler(store, sink);
    expect(sink.deliveries).toEqual([]);
  });

  it('fires a no-data alert for a service that used to report and stopped', async () => {
    const store = openStore();
    const sink = new RecordingAlertSink();
    await send(store, 'checkout', 1, now - 10_000);
    await send(store, 'billing', 1, now - 10_000);
    const { ruler, state } = await startRuler(store, sink);
    await ruler.runDue();
    now += 2 * 60_000;
    await send(store, 'billing', 1, now - 5_000);
    now += 2 * 60_000;
    await ruler.runDue();
    const silent = (await state.activeAlerts()).filter((a) => a.rule === 'Silent');
    expect(silent.map((a) => [a.labels.service_name, a.state, a.value])).toEqual([
      ['checkout', 'firing', Number.NaN],
    ]);
    expect(sink.deliveries.at(-1)?.alerts.map((a) => a.labels.service_name)).toEqual(['checkout']);
  });

  it('drops rows past the per-rule limit and says so in the rule health', async () => {
    const store = openStore();
    for (const s of ['a', 'b', 'c']) await send(store, s, 900, now - 10_000);
    const { ruler, state } = await startRuler(store, new RecordingAlertSink(), 2);
    await ruler.runDue();
    expect((await state.activeAlerts()).filter((a) => a.rule === 'LatencyHigh')).toHaveLength(2);
    expect(ruler.ruleHealth('checkout', 'LatencyHigh')?.error?.code).toBe('VTG_ALERT_TOO_MANY_INSTANCES');
  });

  it('resolves the firing alerts of a group taken out of force', async () => {
    const store = openStore();
    await send(store, 'checkout', 900, now - 10_000);
    const sink = new RecordingAlertSink();
    const { ruler, state } = await startRuler(store, sink);
    await ruler.runDue();
    now += 60_000;
    await ruler.runDue();
    expect((await state.activeAlerts()).map((a) => a.state)).toEqual(['firing']);
    ruler.removeFile('rules.yml');
    now += 1_000;
    await ruler.runDue();
    expect(await state.activeAlerts()).toEqual([]);
    expect(sink.notifications().map((n) => [n.rule, n.state, n.at])).toEqual([
      ['LatencyHigh', 'firing', T0 + 60_000],
      ['LatencyHigh', 'resolved', T0 + 61_000],
    ]);
  });

  it('brings a group put or deleted through another API into force on the leader', async () => {
    const store = openStore();
    await send(store, 'checkout', 900, now - 10_000);
    const open = async (leader: boolean, sink: RecordingAlertSink) => {
      const state = new SqliteAlertStateStore(join(dir, 'alerting.db'));
      const ruler = new Ruler({
        store,
        state,
        sink,
        logger: captureLogger().logger,
        limits: { maxRules: 100, maxInstancesPerRule: 100 },
        retention: FOREVER,
        clock: () => now,
        tickMs: 3_600_000,
        apiGroupsSyncMs: 10_000,
        leadership: { isLeader: () => leader },
      });
      await ruler.start();
      closers.push(async () => {
        await ruler.stop();
        await state.close();
      });
      return { ruler, state };
    };
    const leaderSink = new RecordingAlertSink();
    const { ruler: leader, state } = await open(true, leaderSink);
    const { ruler: other } = await open(false, new RecordingAlertSink());

    await other.putApiGroup('payments', {
      name: 'payments',
      interval: '30s',
      rules: [
        {
          alert: 'LatencyHigh',
          vql: "SELECT service_name, max(value) FROM metrics WHERE metric_name = 'latency_ms' AND timestamp > now() - 3m GROUP BY service_name",
          condition: '> 500',
        },
      ],
    });
    expect(leader.rules.get('payments')).toBeUndefined();
    now += 10_000;
    await leader.runDue();
    expect(leader.rules.get('payments')?.source.kind).toBe('api');
    expect((await state.activeAlerts('payments')).map((a) => a.state)).toEqual(['firing']);

    await other.deleteApiGroup('payments');
    now += 5_000;
    await leader.runDue();
    expect(leader.rules.get('payments')).toBeDefined(); // not read again before 10 s
    now += 5_000;
    await leader.runDue();
    expect(leader.rules.get('payments')).toBeUndefined();
    expect(await state.activeAlerts('payments')).toEqual([]);
    expect(leaderSink.notifications().map((n) => [n.rule, n.state, n.at])).toEqual([
      ['LatencyHigh', 'firing', T0 + 10_000],
      ['LatencyHigh', 'resolved', T0 + 20_000],
    ]);
  });

  it("names a tags.<key> column's label <key>, and an aliased column by its alias", async () => {
    const store = openStore();
    await send(store, 'checkout', 900, now - 10_000, { endpoint: '/pay' });
    const rules = `groups:
  - name: g
    rules:
      - alert: A
        vql: SELECT service_name AS svc, tags.endpoint, max(value) FROM metrics GROUP BY service_name, tags.endpoint
        condition: '> 1'
        annotations: { summary: '{{ $labels.svc }}{{ $labels.endpoint }}' }
`;
    const { ruler, state } = await startRuler(store, new RecordingAlertSink(), 100, rules);
    await ruler.runDue();
    const [alert] = await state.activeAlerts();
    expect(alert?.labels).toEqual({ svc: 'checkout', endpoint: '/pay', alertname: 'A' });
    expect(alert?.annotations).toEqual({ summary: 'checkout/pay' });
  });

  it('hands the sink an evaluation only once its state is saved, and nothing when it cannot be', async () => {
    const store = openStore();
    await send(store, 'checkout', 900, now - 10_000);
    const events: string[] = [];
    const saved = new SqliteAlertStateStore(join(dir, 'alerting.db'));
    closers.push(() => saved.close());
    let saveFails = false;
    // A restart must never find a notification sent for a state the store does not hold.
    const state = Object.assign(Object.create(saved) as SqliteAlertStateStore, {
      saveEvaluation: async (evaluation: Parameters<SqliteAlertStateStore['saveEvaluation']>[0]) => {
        if (saveFails) throw new Error('disk full');
        await saved.saveEvaluation(evaluation);
        events.push(`saved ${evaluation.at - T0}`);
      },
    });
    const sink = { deliver: (_: unknown, at: number) => void events.push(`delivered ${at - T0}`) };
    const ruler = new Ruler({
      store,
      state,
      sink,
      logger: captureLogger().logger,
      limits: { maxRules: 100, maxInstancesPerRule: 100 },
      retention: FOREVER,
      clock: () => now,
      tickMs: 3_600_000,
    });
    closers.push(() => ruler.stop());
    const parsed = parseRulesFile('rules.yml', RULES, now);
    if (!parsed.ok) throw new Error('rules refused');
    ruler.setFileGroups('rules.yml', parsed.document.groups);
    await ruler.start();
    await ruler.runDue();
    now += 60_000;
    await ruler.runDue();
    saveFails = true;
    now += 30_000;
    await ruler.runDue();
    expect(events).toEqual(['saved 0', 'delivered 0', 'saved 60000', 'delivered 60000']);
  });

  it('keeps the alerts as they were when the query fails', async () => {
    const store = openStore();
    await send(store, 'checkout', 900, now - 10_000);
    let failing = false;
    const flaky: Pick<Store, 'queryVql'> = {
      queryVql: (plan) => (failing ? Promise.reject(new Error('disk I/O error')) : store.queryVql(plan)),
    };
    const { ruler, state } = await startRuler(flaky, new RecordingAlertSink());
    await ruler.runDue();
    failing = true;
    now += 30_000;
    await ruler.runDue();
    expect((await state.activeAlerts()).map((a) => [a.rule, a.state])).toEqual([['LatencyHigh', 'pending']]);
    expect(ruler.ruleHealth('checkout', 'LatencyHigh')?.error).toEqual({
      code: 'VTG_ALERT_EVALUATION_FAILED',
      message: 'The rule could not be evaluated: disk I/O error',
    });
  });
});
