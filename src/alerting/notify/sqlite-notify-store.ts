import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { notifierConfigSchema } from '../alert.js';
import type { NotifierConfig } from '../alert.js';
import type { Matcher } from './matchers.js';
import type {
  NotificationLogEntry,
  NotificationQuery,
  NotificationRecord,
  NotifyStore,
} from './notify-store.js';
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

interface LogRow {
  notifier: string;
  group_key: string;
  firing: string;
  resolved: string;
  sent_at: number;
}
interface SilenceRow {
  id: string;
  matchers: string;
  starts_at: number;
  ends_at: number;
  created_by: string;
  comment: string;
  created_at: number;
}
interface NotificationRow {
  id: string;
  at: number;
  notifier: string;
  channel: string;
  group_key: string;
  status: 'firing' | 'resolved';
  alerts: number;
  state: 'sent' | 'failed';
  attempts: number;
  error: string | null;
  code: string | null;
}

/** The notification side's state in SQLite (`<data-dir>/alerting.db` in embedded mode). */
export class SqliteNotifyStore implements NotifyStore {
  private readonly db: Db;

  constructor(path: string) {
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // FULL: a notification logged as sent must stay logged, or a restart would send it again.
    this.db.pragma('synchronous = FULL');
    this.db.pragma('busy_timeout = 5000');
    this.db.exec(SCHEMA);
  }

  async notificationLog(): Promise<NotificationLogEntry[]> {
    const rows = this.db.prepare('SELECT * FROM notify_log').all() as LogRow[];
    return rows.map((r) => ({
      notifier: r.notifier,
      groupKey: r.group_key,
      firing: JSON.parse(r.firing) as string[],
      resolved: JSON.parse(r.resolved) as string[],
      sentAt: r.sent_at,
    }));
  }

  async saveNotificationLog(e: NotificationLogEntry): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO notify_log (notifier, group_key, firing, resolved, sent_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (notifier, group_key) DO UPDATE SET firing = excluded.firing,
           resolved = excluded.resolved, sent_at = excluded.sent_at`,
      )
      .run(e.notifier, e.groupKey, JSON.stringify(e.firing), JSON.stringify(e.resolved), e.sentAt);
  }

  async silences(): Promise<Silence[]> {
    const rows = this.db.prepare('SELECT * FROM notify_silence ORDER BY created_at').all() as SilenceRow[];
    return rows.map((r) => ({
      id: r.id,
      matchers: JSON.parse(r.matchers) as Matcher[],
      startsAt: r.starts_at,
      endsAt: r.ends_at,
      createdBy: r.created_by,
      comment: r.comment,
      createdAt: r.created_at,
    }));
  }

  async saveSilence(s: Silence): Promise<void> {
    this.db
      .prepare(
        `INSERT INTO notify_silence (id, matchers, starts_at, ends_at, created_by, comment, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (id) DO UPDATE SET matchers = excluded.matchers, starts_at = excluded.starts_at,
           ends_at = excluded.ends_at, created_by = excluded.created_by, comment = excluded.comment`,
      )
      .run(s.id, JSON.stringify(s.matchers), s.startsAt, s.endsAt, s.createdBy, s.comment, s.createdAt);
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

  async recordNotification(r: NotificationRecord): Promise<void> {
    const insert = this.db.prepare(
      `INSERT INTO notify_notification (id, at, notifier, channel, group_key, status, alerts, state,
         attempts, error, code) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    const prune = this.db.prepare('DELETE FROM notify_notification WHERE seq <= ?');
    this.db.transaction(() => {
      const { lastInsertRowid } = insert.run(
        r.id,
        r.at,
        r.notifier,
        r.channel,
        r.groupKey,
        r.status,
        r.alerts,
        r.state,
        r.attempts,
        r.error ?? null,
        r.code ?? null,
      );
      prune.run(Number(lastInsertRowid) - NOTIFICATION_RECORDS_KEPT);
    })();
  }

  async notifications(q: NotificationQuery): Promise<NotificationRecord[]> {
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
    const rows = this.db.prepare(sql).all(...params, q.limit) as NotificationRow[];
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      notifier: r.notifier,
      channel: r.channel,
      groupKey: r.group_key,
      status: r.status,
      alerts: r.alerts,
      state: r.state,
      attempts: r.attempts,
      ...(r.error !== null ? { error: r.error } : {}),
      ...(r.code !== null ? { code: r.code } : {}),
    }));
  }

  async close(): Promise<void> {
    this.db.close();
  }
}
