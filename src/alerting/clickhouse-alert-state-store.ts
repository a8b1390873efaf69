import type { ActiveAlert } from './alert-state-machine.js';
import * as row from './alert-state-rows.js';
import type * as contract from './alert-state-store.js';
import { ClickHouseTables, nextVersion } from './clickhouse-tables.js';

export interface ClickHouseAlertStateStoreOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database: string;
}

/**
 * The distributed ruler's state (`vantage api`): tables `alert_*` in Vantage's database beside the
 * notification side's `notify_*` (ClickHouseTables says how they are created and versioned). Only
 * the API that leads the ruler writes alerts; any API writes API rule groups and reads everything
 * (GET /v1/alerts from every API).
 */
export class ClickHouseAlertStateStore implements contract.AlertStateStore {
  private readonly db: string;

  private constructor(private readonly tables: ClickHouseTables) {
    this.db = tables.database;
  }

  static async open(options: ClickHouseAlertStateStoreOptions): Promise<ClickHouseAlertStateStore> {
    const tables = await ClickHouseTables.open(options, 'vantage-ruler', (db) => [
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
    ]);
    return new ClickHouseAlertStateStore(tables);
  }

  async activeAlerts(group?: string): Promise<ActiveAlert[]> {
    const rows = await this.tables.select<row.ActiveAlertRow>(
      `SELECT grp, fingerprint, rule, labels, annotations, state, value, active_at, fired_at, last_met_at
       FROM ${this.db}.alert_active FINAL
       WHERE deleted = 0 AND ({grp:String} = '' OR grp = {grp:String})
       ORDER BY active_at, fingerprint`,
      { grp: group ?? '' },
    );
    return rows.map(row.activeAlertFromRow);
  }

  async lastDelivery(group: string): Promise<number | undefined> {
    const rows = await this.tables.select<{ at: string }>(
      `SELECT at FROM ${this.db}.alert_group_delivery FINAL WHERE grp = {grp:String}`,
      { grp: group },
    );
    return rows[0] === undefined ? undefined : Number(rows[0].at);
  }

  async seenGroups(group: string, rule: string): Promise<contract.SeenGroup[]> {
    const rows = await this.tables.select<Omit<row.SeenRow, 'grp' | 'rule'>>(
      `SELECT fingerprint, labels, last_seen FROM ${this.db}.alert_no_data_seen FINAL
       WHERE grp = {grp:String} AND rule = {rule:String}`,
      { grp: group, rule },
    );
    return rows.map((r) => row.seenGroupFromRow(rule, r));
  }

  /**
   * Not one transaction as in SQLite: the history and the no-data groups go first and the group's
   * delivery time last, so that a failure part-way leaves the group due again, and its next
   * evaluation writes the same state (a repeated history entry at worst, never a lost one).
   */
  async saveEvaluation(e: contract.GroupEvaluation): Promise<void> {
    if (e.transitions.length > 0)
      await this.tables.insert('alert_history', e.transitions.map(row.historyRow));
    if (e.seen.length > 0)
      await this.tables.insert(
        'alert_no_data_seen',
        e.seen.map((s) => row.seenRow(e.group, s)),
      );
    const version = nextVersion();
    const kept = new Set(e.active.map((a) => a.fingerprint));
    const ended = (await this.activeAlerts(e.group)).filter((a) => !kept.has(a.fingerprint));
    const rows = [
      ...e.active.map((a) => ({ ...row.activeAlertRow(a), deleted: 0, version })),
      ...ended.map((a) => ({ ...row.activeAlertRow(a), deleted: 1, version })),
    ];
    if (rows.length > 0) await this.tables.insert('alert_active', rows);
    if (e.delivered) await this.tables.insert('alert_group_delivery', [{ grp: e.group, at: e.at }]);
  }

  async history(q: contract.HistoryQuery): Promise<contract.HistoryEntry[]> {
    const rows = await this.tables.select<row.HistoryRow>(
      `SELECT at, state, fingerprint, grp, rule, labels, annotations, value FROM ${this.db}.alert_history
       WHERE at >= {from:Int64} AND at < {to:Int64}
         AND ({rule:String} = '' OR rule = {rule:String})
         AND ({state:String} = '' OR state = {state:String})
       ORDER BY at DESC, fingerprint DESC LIMIT {limit:UInt32}`,
      { from: q.from, to: q.to, rule: q.rule ?? '', state: q.state ?? '', limit: q.limit },
    );
    return rows.map(row.historyEntryFromRow);
  }

  /** A lightweight DELETE: the ruler prunes once an hour, so mutations stay rare. */
  async pruneHistory(before: number): Promise<number> {
    const where = `at < {before:Int64} AND fingerprint NOT IN
      (SELECT fingerprint FROM ${this.db}.alert_active FINAL WHERE deleted = 0)`;
    const [count] = await this.tables.select<{ n: string }>(
      `SELECT count() AS n FROM ${this.db}.alert_history WHERE ${where}`,
      { before },
    );
    const n = Number(count?.n ?? 0);
    if (n > 0) await this.tables.command(`DELETE FROM ${this.db}.alert_history WHERE ${where}`, { before });
    return n;
  }

  async ruleGroups(): Promise<contract.StoredRuleGroup[]> {
    const rows = await this.tables.select<row.RuleGroupRow>(
      `SELECT name, body, updated_at FROM ${this.db}.alert_rule_group FINAL WHERE deleted = 0 ORDER BY name`,
    );
    return rows.map(row.ruleGroupFromRow);
  }

  async putRuleGroup(g: contract.StoredRuleGroup): Promise<void> {
    await this.tables.insert('alert_rule_group', [
      { ...row.ruleGroupRow(g), deleted: 0, version: nextVersion() },
    ]);
  }

  async deleteRuleGroup(name: string): Promise<boolean> {
    const existed = (await this.ruleGroups()).some((g) => g.name === name);
    if (existed)
      await this.tables.insert('alert_rule_group', [
        { name, body: '', updated_at: Date.now(), deleted: 1, version: nextVersion() },
      ]);
    return existed;
  }

  async close(): Promise<void> {
    await this.tables.close();
  }
}
