import Database from 'better-sqlite3';
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

interface ActiveRow {
  fingerprint: string;
  grp: string;
  rule: string;
  labels: string;
  annotations: string;
  state: 'pending' | 'firing';
  value: number | null;
  active_at: number;
  fired_at: number | null;
  last_met_at: number;
}

/**
 * The embedded ruler's state: `alerting.db` beside the store, WAL with synchronous=FULL, so that a
 * state change the sink was told of survives a power cut as the samples behind it do.
 */
export class SqliteAlertStateStore implements AlertStateStore {
  private readonly db: Database.Database;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  async activeAlerts(group?: string): Promise<ActiveAlert[]> {
    const rows = (
      group === undefined
        ? this.db.prepare('SELECT * FROM active_alert ORDER BY active_at, fingerprint').all()
        : this.db
            .prepare('SELECT * FROM active_alert WHERE grp = ? ORDER BY active_at, fingerprint')
            .all(group)
    ) as ActiveRow[];
    return rows.map((r) => ({
      fingerprint: r.fingerprint,
      rule: r.rule,
      group: r.grp,
      labels: JSON.parse(r.labels) as Record<string, string>,
      annotations: JSON.parse(r.annotations) as Record<string, string>,
      state: r.state,
      // SQLite keeps NaN (a no-data alert's value) as NULL.
      value: r.value ?? Number.NaN,
      activeAt: r.active_at,
      ...(r.fired_at === null ? {} : { firedAt: r.fired_at }),
      lastMetAt: r.last_met_at,
    }));
  }

  async lastDelivery(group: string): Promise<number | undefined> {
    const row = this.db.prepare('SELECT at FROM group_delivery WHERE grp = ?').get(group) as
      { at: number } | undefined;
    return row?.at;
  }

  async seenGroups(group: string, rule: string): Promise<SeenGroup[]> {
    const rows = this.db
      .prepare('SELECT fingerprint, labels, last_seen FROM no_data_seen WHERE grp = ? AND rule = ?')
      .all(group, rule) as { fingerprint: string; labels: string; last_seen: number }[];
    return rows.map((r) => ({
      rule,
      fingerprint: r.fingerprint,
      labels: JSON.parse(r.labels) as Record<string, string>,
      lastSeen: r.last_seen,
    }));
  }

  async saveEvaluation(e: GroupEvaluation): Promise<void> {
    const insertActive = this.db.prepare(
      `INSERT INTO active_alert VALUES (@fingerprint, @grp, @rule, @labels, @annotations, @state, @value,
       @active_at, @fired_at, @last_met_at)`,
    );
    const insertHistory = this.db.prepare(
      `INSERT INTO alert_history (at, state, fingerprint, grp, rule, labels, annotations, value)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const upsertSeen = this.db.prepare(
      `INSERT INTO no_data_seen VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (grp, rule, fingerprint) DO UPDATE SET last_seen = excluded.last_seen`,
    );
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM active_alert WHERE grp = ?').run(e.group);
      for (const a of e.active)
        insertActive.run({
          fingerprint: a.fingerprint,
          grp: a.group,
          rule: a.rule,
          labels: JSON.stringify(a.labels),
          annotations: JSON.stringify(a.annotations),
          state: a.state,
          value: finiteOrNull(a.value),
          active_at: a.activeAt,
          fired_at: a.firedAt ?? null,
          last_met_at: a.lastMetAt,
        });
      for (const t of e.transitions) {
        const a = t.alert;
        insertHistory.run(
          t.at,
          a.state,
          a.fingerprint,
          a.group,
          a.rule,
          JSON.stringify(a.labels),
          JSON.stringify(a.annotations),
          finiteOrNull(a.value),
        );
      }
      for (const s of e.seen)
        upsertSeen.run(e.group, s.rule, s.fingerprint, JSON.stringify(s.labels), s.lastSeen);
      if (e.delivered)
        this.db
          .prepare(
            'INSERT INTO group_delivery VALUES (?, ?) ON CONFLICT (grp) DO UPDATE SET at = excluded.at',
          )
          .run(e.group, e.at);
    })();
  }

  async history(q: HistoryQuery): Promise<HistoryEntry[]> {
    const where = ['at >= @from', 'at < @to'];
    if (q.rule !== undefined) where.push('rule = @rule');
    if (q.state !== undefined) where.push('state = @state');
    const rows = this.db
      .prepare(
        `SELECT * FROM alert_history WHERE ${where.join(' AND ')} ORDER BY at DESC, id DESC LIMIT @limit`,
      )
      .all({ from: q.from, to: q.to, rule: q.rule ?? null, state: q.state ?? null, limit: q.limit }) as {
      at: number;
      state: AlertState;
      fingerprint: string;
      grp: string;
      rule: string;
      labels: string;
      annotations: string;
      value: number | null;
    }[];
    return rows.map((r) => ({
      at: r.at,
      state: r.state,
      rule: r.rule,
      group: r.grp,
      fingerprint: r.fingerprint,
      labels: JSON.parse(r.labels) as Record<string, string>,
      annotations: JSON.parse(r.annotations) as Record<string, string>,
      value: r.value,
    }));
  }

  async pruneHistory(before: number): Promise<number> {
    return this.db
      .prepare(
        'DELETE FROM alert_history WHERE at < ? AND fingerprint NOT IN (SELECT fingerprint FROM active_alert)',
      )
      .run(before).changes;
  }

  async ruleGroups(): Promise<StoredRuleGroup[]> {
    const rows = this.db.prepare('SELECT * FROM api_rule_group ORDER BY name').all() as {
      name: string;
      body: string;
      updated_at: number;
    }[];
    return rows.map((r) => ({ name: r.name, body: JSON.parse(r.body) as unknown, updatedAt: r.updated_at }));
  }

  async putRuleGroup(g: StoredRuleGroup): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO api_rule_group VALUES (?, ?, ?)
         ON CONFLICT (name) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
      )
      .run(g.name, JSON.stringify(g.body), g.updatedAt);
  }

  async deleteRuleGroup(name: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM api_rule_group WHERE name = ?').run(name).changes > 0;
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
