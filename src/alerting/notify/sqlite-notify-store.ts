import type { Database } from 'better-sqlite3';
import { notifierConfigSchema } from '../alert.js';
import type { NotifierConfig } from '../alert.js';
import { openAlertingDatabase } from '../alerting-database.js';
import * as row from './notify-rows.js';
import type * as contract from './notify-store.js';
import type { Silence } from './silence.js';

/** How many notification records are kept: the newest, enough to show what failed and why. */
export const NOTIFICATION_RECORDS_KEPT = 10_000;

// Prefixed `notify_`: the ruler keeps its own tables in the same file.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS notify_log (
  notifier TEXT NOT NULL, group_key TEXT NOT NULL, firing TEXT NOT NULL, resolved TEXT NOT NULL,
  sent_at INTEGER NOT NULL, PRIMARY KEY (notifier, group_key)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS notify_silence (
  id TEXT PRIMARY KEY, matchers TEXT NOT NULL, starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
  created_by TEXT NOT NULL, comment TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS notify_notifier (name TEXT PRIMARY KEY, config TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notify_notification (
  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL, at INTEGER NOT NULL, notifier TEXT NOT NULL,
  channel TEXT NOT NULL, group_key TEXT NOT NULL, status TEXT NOT NULL, alerts INTEGER NOT NULL,
  state TEXT NOT NULL, attempts INTEGER NOT NULL, error TEXT, code TEXT);
CREATE INDEX IF NOT EXISTS notify_notification_state ON notify_notification (state, seq);
`;

/** `firing` and `resolved` as JSON text (ClickHouse has arrays). */
interface SqliteLogRow {
  notifier: string;
  group_key: string;
  firing: string;
  resolved: string;
  sent_at: number;
}

/** The notification side's state in SQLite (`<data-dir>/alerting.db` in embedded mode). */
export class SqliteNotifyStore implements contract.NotifyStore {
  private readonly db: Database;

  constructor(path: string) {
    this.db = openAlertingDatabase(path, SCHEMA);
  }

  async notificationLog(): Promise<contract.NotificationLogEntry[]> {
    const rows = this.db.prepare('SELECT * FROM notify_log').all() as SqliteLogRow[];
    return rows.map((r) =>
      row.logEntryFromRow({
        ...r,
        firing: JSON.parse(r.firing) as string[],
        resolved: JSON.parse(r.resolved) as string[],
      }),
    );
  }

  async saveNotificationLog(e: contract.NotificationLogEntry): Promise<void> {
    const entry = row.logRow(e);
    this.db
      .prepare(
        `INSERT INTO notify_log (notifier, group_key, firing, resolved, sent_at)
         VALUES (@notifier, @group_key, @firing, @resolved, @sent_at)
         ON CONFLICT (notifier, group_key) DO UPDATE SET firing = excluded.firing,
           resolved = excluded.resolved, sent_at = excluded.sent_at`,
      )
      .run({ ...entry, firing: JSON.stringify(entry.firing), resolved: JSON.stringify(entry.resolved) });
  }

  async silences(): Promise<Silence[]> {
    const rows = this.db
      .prepare('SELECT * FROM notify_silence ORDER BY created_at')
      .all() as row.SilenceRow[];
    return rows.map(row.silenceFromRow);
  }

  async saveSilence(s: Silence): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO notify_silence (id, matchers, starts_at, ends_at, created_by, comment, created_at)
         VALUES (@id, @matchers, @starts_at, @ends_at, @created_by, @comment, @created_at)
         ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
           ends_at = excluded.ends_at, created_by = excluded.created_by, comment = excluded.comment`,
      )
      .run(row.silenceRow(s));
  }

  async pruneSilences(before: number): Promise<void> {
    this.db.prepare('DELETE FROM notify_silence WHERE ends_at < ?').run(before);
  }

  async notifiers(): Promise<NotifierConfig[]> {
    const rows = this.db.prepare('SELECT config FROM notify_notifier ORDER BY name').all() as {
      config: string;
    }[];
    return rows.map((r) => notifierConfigSchema.parse(JSON.parse(r.config)));
  }

  async saveNotifier(config: NotifierConfig): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO notify_notifier (name, config) VALUES (?, ?)
         ON CONFLICT (name) DO UPDATE SET config = excluded.config`,
      )
      .run(config.name, JSON.stringify(config));
  }

  async deleteNotifier(name: string): Promise<void> {
    this.db.prepare('DELETE FROM notify_notifier WHERE name = ?').run(name);
  }

  async recordNotification(r: contract.NotificationRecord): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO notify_notification (id, at, notifier, channel, group_key, status, alerts, state,
         attempts, error, code)
       VALUES (@id, @at, @notifier, @channel, @group_key, @status, @alerts, @state, @attempts, @error, @code)`,
    );
    const prune = this.db.prepare('DELETE FROM notify_notification WHERE seq <= ?');
    this.db.transaction(() => {
      const { lastInsertRowid } = insert.run(row.notificationRow(r, null));
      prune.run(Number(lastInsertRowid) - NOTIFICATION_RECORDS_KEPT);
    })();
  }

  async notifications(q: contract.NotificationQuery): Promise<contract.NotificationRecord[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.state !== undefined) {
      where.push('state = ?');
      params.push(q.state);
    }
    if (q.notifier !== undefined) {
      where.push('notifier = ?');
      params.push(q.notifier);
    }
    const sql = `SELECT * FROM notify_notification ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
      ORDER BY seq DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, q.limit) as row.NotificationRow[];
    return rows.map(row.notificationFromRow);
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
