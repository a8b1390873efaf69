import { connectClickHouse } from '../storage/index.js';
import type { ClickHouseClient } from '@clickhouse/client';
import type { AlertState } from './alert.js';
import type { ActiveAlert } from './alert-state-machine.js';
import type {
  AlertStateStore,
  GroupEvaluation,
  HistoryEntry,
  HistoryQuery,
  SeenGroup,
  StoredRuleGroup,
} from './alert-state-store.js';

export interface ClickHouseAlertStateStoreOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database: string;
}

interface ActiveRow {
  fingerprint: string;
  grp: string;
  rule: string;
  labels: string;
  annotations: string;
  state: 'pending' | 'firing';
  value: number | null;
  active_at: string;
  fired_at: string | null;
  last_met_at: string;
}

/**
 * The distributed ruler's state (`vantage api`): tables `alert_*` in Vantage's database, created
 * on open beside the notification side's `notify_*` (the API runs no migration and may hold only
 * SELECT on the data; it needs CREATE TABLE and INSERT on these). Each change is an insert of a
 * new version and reads take the latest (ReplacingMergeTree ... FINAL), so no update is ever in
 * place. Only the API that leads the ruler writes alerts; any API writes API rule groups and
 * reads everything (GET /v1/alerts from every API).
 */
export class ClickHouseAlertStateStore implements AlertStateStore {
  private readonly client: ClickHouseClient;
  private readonly db: string;

  private constructor(options: ClickHouseAlertStateStoreOptions) {
    const { client, database } = connectClickHouse(options, 'vantage-ruler');
    this.db = database;
    this.client = client;
  }

  static async open(options: ClickHouseAlertStateStoreOptions): Promise<ClickHouseAlertStateStore> {
    const store = new ClickHouseAlertStateStore(options);
    const db = store.db;
    try {
      for (const ddl of [
        // `deleted` rows end an alert: a later evaluation left it out of its group's set.
        `CREATE TABLE IF NOT EXISTS ${db}.alert_active (grp String, fingerprint String, rule String,
           labels String, annotations String, state String, value Nullable(Float64), active_at Int64,
           fired_at Nullable(Int64), last_met_at Int64, deleted UInt8, version Int64)
         ENGINE = ReplacingMergeTree(version) ORDER BY (grp, fingerprint)`,
        // Resolved entries older than 365 days are deleted by pruneHistory (a TTL cannot spare
        // the entries of alerts still active, which the design keeps forever).
        `CREATE TABLE IF NOT EXISTS ${db}.alert_history (at Int64, state String, fingerprint String,
           grp String, rule String, labels String, annotations String, value Nullable(Float64))
         ENGINE = MergeTree ORDER BY (at, fingerprint)`,
        `CREATE TABLE IF NOT EXISTS ${db}.alert_group_delivery (grp String, at Int64)
         ENGINE = ReplacingMergeTree(at) ORDER BY grp`,
        `CREATE TABLE IF NOT EXISTS ${db}.alert_no_data_seen (grp String, rule String,
           fingerprint String, labels String, last_seen Int64)
         ENGINE = ReplacingMergeTree(last_seen) ORDER BY (grp, rule, fingerprint)`,
        `CREATE TABLE IF NOT EXISTS ${db}.alert_rule_group (name String, body String,
           updated_at Int64, deleted UInt8, version Int64)
         ENGINE = ReplacingMergeTree(version) ORDER BY name`,
      ])
        await store.client.command({ query: ddl });
    } catch (err) {
      await store.client.close();
      throw err;
    }
    return store;
  }

  async activeAlerts(group?: string): Promise<ActiveAlert[]> {
    const rows = await this.select<ActiveRow>(
      `SELECT grp, fingerprint, rule, labels, annotations, state, value, active_at, fired_at, last_met_at
       FROM ${this.db}.alert_active FINAL
       WHERE deleted = 0 AND ({grp:String} = '' OR grp = {grp:String})
       ORDER BY active_at, fingerprint`,
      { grp: group ?? '' },
    );
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      rule: r.rule,
      group: r.grp,
      labels: JSON.parse(r.labels) as Record<string, string>,
      annotations: JSON.parse(r.annotations) as Record<string, string>,
      state: r.state,
      // Kept as NULL: a no-data alert's value is NaN.
      value: r.value ?? Number.NaN,
      activeAt: Number(r.active_at),
      ...(r.fired_at === null ? {} : { firedAt: Number(r.fired_at) }),
      lastMetAt: Number(r.last_met_at),
    }));
  }

  async lastDelivery(group: string): Promise<number | undefined> {
    const rows = await this.select<{ at: string }>(
      `SELECT at FROM ${this.db}.alert_group_delivery FINAL WHERE grp = {grp:String}`,
      { grp: group },
    );
    return rows[0] === undefined ? undefined : Number(rows[0].at);
  }

  async seenGroups(group: string, rule: string): Promise<SeenGroup[]> {
    const rows = await this.select<{ fingerprint: string; labels: string; last_seen: string }>(
      `SELECT fingerprint, labels, last_seen FROM ${this.db}.alert_no_data_seen FINAL
       WHERE grp = {grp:String} AND rule = {rule:String}`,
      { grp: group, rule },
    );
    return rows.map((r) => ({
      rule,
      fingerprint: r.fingerprint,
      labels: JSON.parse(r.labels) as Record<string, string>,
      lastSeen: Number(r.last_seen),
    }));
  }

  /**
   * Not one transaction as in SQLite: the history and the no-data groups go first and the group's
   * delivery time last, so that a failure part-way leaves the group due again, and its next
   * evaluation writes the same state (a repeated history entry at worst, never a lost one).
   */
  async saveEvaluation(e: GroupEvaluation): Promise<void> {
    if (e.transitions.length > 0)
      await this.insert(
        'alert_history',
        e.transitions.map((t) => ({
          at: t.at,
          state: t.alert.state,
          fingerprint: t.alert.fingerprint,
          grp: t.alert.group,
          rule: t.alert.rule,
          labels: JSON.stringify(t.alert.labels),
          annotations: JSON.stringify(t.alert.annotations),
          value: finiteOrNull(t.alert.value),
        })),
      );
    if (e.seen.length > 0)
      await this.insert(
        'alert_no_data_seen',
        e.seen.map((s) => ({
          grp: e.group,
          rule: s.rule,
          fingerprint: s.fingerprint,
          labels: JSON.stringify(s.labels),
          last_seen: s.lastSeen,
        })),
      );
    const version = nextVersion();
    const kept = new Set(e.active.map((a) => a.fingerprint));
    const ended = (await this.activeAlerts(e.group)).filter((a) => !kept.has(a.fingerprint));
    const rows = [
      ...e.active.map((a) => activeRow(a, 0, version)),
      ...ended.map((a) => activeRow(a, 1, version)),
    ];
    if (rows.length > 0) await this.insert('alert_active', rows);
    if (e.delivered) await this.insert('alert_group_delivery', [{ grp: e.group, at: e.at }]);
  }

  async history(q: HistoryQuery): Promise<HistoryEntry[]> {
    const rows = await this.select<{
      at: string;
      state: AlertState;
      fingerprint: string;
      grp: string;
      rule: string;
      labels: string;
      annotations: string;
      value: number | null;
    }>(
      `SELECT at, state, fingerprint, grp, rule, labels, annotations, value FROM ${this.db}.alert_history
       WHERE at >= {from:Int64} AND at < {to:Int64}
         AND ({rule:String} = '' OR rule = {rule:String})
         AND ({state:String} = '' OR state = {state:String})
       ORDER BY at DESC, fingerprint DESC LIMIT {limit:UInt32}`,
      { from: q.from, to: q.to, rule: q.rule ?? '', state: q.state ?? '', limit: q.limit },
    );
    return rows.map((r) => ({
      at: Number(r.at),
      state: r.state,
      rule: r.rule,
      group: r.grp,
      fingerprint: r.fingerprint,
      labels: JSON.parse(r.labels) as Record<string, string>,
      annotations: JSON.parse(r.annotations) as Record<string, string>,
      value: r.value,
    }));
  }

  /** A lightweight DELETE: the ruler prunes once an hour, so mutations stay rare. */
  async pruneHistory(before: number): Promise<number> {
    const where = `at < {before:Int64} AND fingerprint NOT IN
      (SELECT fingerprint FROM ${this.db}.alert_active FINAL WHERE deleted = 0)`;
    const [count] = await this.select<{ n: string }>(
      `SELECT count() AS n FROM ${this.db}.alert_history WHERE ${where}`,
      { before },
    );
    const n = Number(count?.n ?? 0);
    if (n > 0)
      await this.client.command({
        query: `DELETE FROM ${this.db}.alert_history WHERE ${where}`,
        query_params: { before },
      });
    return n;
  }

  async ruleGroups(): Promise<StoredRuleGroup[]> {
    const rows = await this.select<{ name: string; body: string; updated_at: string }>(
      `SELECT name, body, updated_at FROM ${this.db}.alert_rule_group FINAL WHERE deleted = 0 ORDER BY name`,
    );
    return rows.map((r) => ({
      name: r.name,
      body: JSON.parse(r.body) as unknown,
      updatedAt: Number(r.updated_at),
    }));
  }

  async putRuleGroup(g: StoredRuleGroup): Promise<void> {
    await this.insert('alert_rule_group', [
      {
        name: g.name,
        body: JSON.stringify(g.body),
        updated_at: g.updatedAt,
        deleted: 0,
        version: nextVersion(),
      },
    ]);
  }

  async deleteRuleGroup(name: string): Promise<boolean> {
    const existed = (await this.ruleGroups()).some((g) => g.name === name);
    if (existed)
      await this.insert('alert_rule_group', [
        { name, body: '', updated_at: Date.now(), deleted: 1, version: nextVersion() },
      ]);
    return existed;
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async select<T>(query: string, params: Record<string, unknown> = {}): Promise<T[]> {
    const result = await this.client.query({ query, query_params: params, format: 'JSONEachRow' });
    return result.json<T>();
  }

  private async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    await this.client.insert({ table: `${this.db}.${table}`, values, format: 'JSONEachRow' });
  }
}

function activeRow(a: ActiveAlert, deleted: 0 | 1, version: number): Record<string, unknown> {
  return {
    grp: a.group,
    fingerprint: a.fingerprint,
    rule: a.rule,
    labels: JSON.stringify(a.labels),
    annotations: JSON.stringify(a.annotations),
    state: a.state,
    value: finiteOrNull(a.value),
    active_at: a.activeAt,
    fired_at: a.firedAt ?? null,
    last_met_at: a.lastMetAt,
    deleted,
    version,
  };
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

let lastVersion = 0;
/** Increasing within this process, and across processes as far as their clocks agree. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}
