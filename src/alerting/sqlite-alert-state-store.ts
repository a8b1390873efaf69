import type { Database } from 'better-sqlite3';
import { openAlertingDatabase } from './alerting-database.js';
import type { ActiveAlert } from './alert-state-machine.js';
import * as row from './alert-state-rows.js';
import type * as contract from './alert-state-store.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS active_alert (
  fingerprint TEXT PRIMARY KEY, grp TEXT NOT NULL, rule TEXT NOT NULL, labels TEXT NOT NULL,
  annotations TEXT NOT NULL, state TEXT NOT NULL, value REAL, active_at INTEGER NOT NULL,
  fired_at INTEGER, last_met_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS active_alert_grp ON active_alert (grp);
CREATE TABLE IF NOT EXISTS alert_history (
  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, state TEXT NOT NULL, fingerprint TEXT NOT NULL,
  grp TEXT NOT NULL, rule TEXT NOT NULL, labels TEXT NOT NULL, annotations TEXT NOT NULL, value REAL);
CREATE INDEX IF NOT EXISTS alert_history_at ON alert_history (at);
CREATE INDEX IF NOT EXISTS alert_history_rule ON alert_history (rule, at);
CREATE TABLE IF NOT EXISTS group_delivery (grp TEXT PRIMARY KEY, at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS no_data_seen (
  grp TEXT NOT NULL, rule TEXT NOT NULL, fingerprint TEXT NOT NULL, labels TEXT NOT NULL,
  last_seen INTEGER NOT NULL, PRIMARY KEY (grp, rule, fingerprint)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS api_rule_group (name TEXT PRIMARY KEY, body TEXT NOT NULL, updated_at INTEGER NOT NULL);
`;

/**
 * The embedded ruler's state: its tables in `alerting.db` beside the store (openAlertingDatabase
 * says how the file is kept durable).
 */
export class SqliteAlertStateStore implements contract.AlertStateStore {
  private readonly db: Database;

  constructor(path: string) {
    this.db = openAlertingDatabase(path, SCHEMA);
  }

  async activeAlerts(group?: string): Promise<ActiveAlert[]> {
    const rows = (
      group === undefined
        ? this.db.prepare('SELECT * FROM active_alert ORDER BY active_at, fingerprint').all()
        : this.db
            .prepare('SELECT * FROM active_alert WHERE grp = ? ORDER BY active_at, fingerprint')
            .all(group)
    ) as row.ActiveAlertRow[];
    return rows.map(row.activeAlertFromRow);
  }

  async lastDelivery(group: string): Promise<number | undefined> {
    const row = this.db.prepare('SELECT at FROM group_delivery WHERE grp = ?').get(group) as
      { at: number } | undefined;
    return row?.at;
  }

  async seenGroups(group: string, rule: string): Promise<contract.SeenGroup[]> {
    const rows = this.db
      .prepare('SELECT fingerprint, labels, last_seen FROM no_data_seen WHERE grp = ? AND rule = ?')
      .all(group, rule) as Omit<row.SeenRow, 'grp' | 'rule'>[];
    return rows.map((r) => row.seenGroupFromRow(rule, r));
  }

  async saveEvaluation(e: contract.GroupEvaluation): Promise<void> {
    const insertActive = this.db.prepare(
      `INSERT INTO active_alert VALUES (@fingerprint, @grp, @rule, @labels, @annotations, @state, @value,
       @active_at, @fired_at, @last_met_at)`,
    );
    const insertHistory = this.db.prepare(
      `INSERT INTO alert_history (at, state, fingerprint, grp, rule, labels, annotations, value)
       VALUES (@at, @state, @fingerprint, @grp, @rule, @labels, @annotations, @value)`,
    );
    const upsertSeen = this.db.prepare(
      `INSERT INTO no_data_seen VALUES (@grp, @rule, @fingerprint, @labels, @last_seen)
       ON CONFLICT (grp, rule, fingerprint) DO UPDATE SET last_seen = excluded.last_seen`,
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM active_alert WHERE grp = ?').run(e.group);
      for (const a of e.active) insertActive.run(row.activeAlertRow(a));
      for (const t of e.transitions) insertHistory.run(row.historyRow(t));
      for (const s of e.seen) upsertSeen.run(row.seenRow(e.group, s));
      if (e.delivered)
        this.db
          .prepare(
            'INSERT INTO group_delivery VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET at = excluded.at',
          )
          .run(e.group, e.at);
    })();
  }

  async history(q: contract.HistoryQuery): Promise<contract.HistoryEntry[]> {
    const where = ['at >= @from', 'at < @to'];
    if (q.rule !== undefined) where.push('rule = @rule');
    if (q.state !== undefined) where.push('state = @state');
    const rows = this.db
      .prepare(
        `SELECT * FROM alert_history WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT @limit`,
      )
      .all({
        from: q.from,
        to: q.to,
        rule: q.rule ?? null,
        state: q.state ?? null,
        limit: q.limit,
      }) as row.HistoryRow[];
    return rows.map(row.historyEntryFromRow);
  }

  async pruneHistory(before: number): Promise<number> {
    return this.db
      .prepare(
        'DELETE FROM alert_history WHERE at < ? AND fingerprint NOT IN (SELECT fingerprint FROM active_alert)',
      )
      .run(before).changes;
  }

  async ruleGroups(): Promise<contract.StoredRuleGroup[]> {
    const rows = this.db.prepare('SELECT * FROM api_rule_group ORDER BY name').all() as row.RuleGroupRow[];
    return rows.map(row.ruleGroupFromRow);
  }

  async putRuleGroup(g: contract.StoredRuleGroup): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_rule_group VALUES (@name, @body, @updated_at)
         ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
      )
      .run(row.ruleGroupRow(g));
  }

  async deleteRuleGroup(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM api_rule_group WHERE name = ?').run(name).changes > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
