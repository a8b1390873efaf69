import { connectClickHouse } from '../../storage/index.js';
import type { ClickHouseClient } from '@clickhouse/client';
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

export interface ClickHouseNotifyStoreOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database: string;
}

/**
 * The notification side's state in ClickHouse, for `vantage api`: tables `notify_*` in Vantage's
 * database, created on open (the API's user needs CREATE TABLE and INSERT on them). Every change is
 * an insert of a new version and reads take the latest (ReplacingMergeTree ... FINAL), so several
 * API processes may write silences and notifiers; the notification log and records are written by
 * the one that runs the ruler. Records age out after 30 days, expired silences after 5.
 */
export class ClickHouseNotifyStore implements NotifyStore {
  private readonly client: ClickHouseClient;
  private readonly db: string;
  private prunedBefore = 0;

  private constructor(options: ClickHouseNotifyStoreOptions) {
    const { client, database } = connectClickHouse(options, 'vantage-notify');
    this.db = database;
    this.client = client;
  }

  static async open(options: ClickHouseNotifyStoreOptions): Promise<ClickHouseNotifyStore> {
    const store = new ClickHouseNotifyStore(options);
    const db = store.db;
    for (const ddl of [
      `CREATE TABLE IF NOT EXISTS ${db}.notify_log (notifier String, group_key String,
         firing Array(String), resolved Array(String), sent_at Int64)
       ENGINE = ReplacingMergeTree(sent_at) ORDER BY (notifier, group_key)`,
      `CREATE TABLE IF NOT EXISTS ${db}.notify_silence (id String, matchers String, starts_at Int64,
         ends_at Int64, created_by String, comment String, created_at Int64, version Int64)
       ENGINE = ReplacingMergeTree(version) ORDER BY id
       TTL toDateTime(intDiv(ends_at, 1000)) + INTERVAL 5 DAY`,
      `CREATE TABLE IF NOT EXISTS ${db}.notify_notifier (name String, config String, deleted UInt8,
         version Int64)
       ENGINE = ReplacingMergeTree(version) ORDER BY name`,
      `CREATE TABLE IF NOT EXISTS ${db}.notify_notification (id String, at Int64, notifier String,
         channel String, group_key String, status String, alerts UInt32, state String,
         attempts UInt32, error String, code String)
       ENGINE = MergeTree ORDER BY at TTL toDateTime(intDiv(at, 1000)) + INTERVAL 30 DAY`,
    ])
      await store.client.command({ query: ddl });
    return store;
  }

  async notificationLog(): Promise<NotificationLogEntry[]> {
    const rows = await this.select<{
      notifier: string;
      group_key: string;
      firing: string[];
      resolved: string[];
      sent_at: string;
    }>(`SELECT notifier, group_key, firing, resolved, sent_at FROM ${this.db}.notify_log FINAL`);
    return rows.map((r) => ({
      notifier: r.notifier,
      groupKey: r.group_key,
      firing: r.firing,
      resolved: r.resolved,
      sentAt: Number(r.sent_at),
    }));
  }

  async saveNotificationLog(e: NotificationLogEntry): Promise<void> {
    await this.insert('notify_log', [
      {
        notifier: e.notifier,
        group_key: e.groupKey,
        firing: e.firing,
        resolved: e.resolved,
        sent_at: e.sentAt,
      },
    ]);
  }

  async silences(): Promise<Silence[]> {
    const rows = await this.select<{
      id: string;
      matchers: string;
      starts_at: string;
      ends_at: string;
      created_by: string;
      comment: string;
      created_at: string;
    }>(
      `SELECT id, matchers, starts_at, ends_at, created_by, comment, created_at
       FROM ${this.db}.notify_silence FINAL WHERE ends_at >= {before:Int64} ORDER BY created_at`,
      { before: this.prunedBefore },
    );
    return rows.map((r) => ({
      id: r.id,
      matchers: JSON.parse(r.matchers) as Matcher[],
      startsAt: Number(r.starts_at),
      endsAt: Number(r.ends_at),
      createdBy: r.created_by,
      comment: r.comment,
      createdAt: Number(r.created_at),
    }));
  }

  async saveSilence(s: Silence): Promise<void> {
    await this.insert('notify_silence', [
      {
        id: s.id,
        matchers: JSON.stringify(s.matchers),
        starts_at: s.startsAt,
        ends_at: s.endsAt,
        created_by: s.createdBy,
        comment: s.comment,
        created_at: s.createdAt,
        version: nextVersion(),
      },
    ]);
  }

  /** The table's TTL deletes them; until then reads leave them out. */
  async pruneSilences(before: number): Promise<void> {
    this.prunedBefore = before;
  }

  async notifiers(): Promise<NotifierConfig[]> {
    const rows = await this.select<{ config: string }>(
      `SELECT config FROM ${this.db}.notify_notifier FINAL WHERE deleted = 0 ORDER BY name`,
    );
    return rows.map((r) => notifierConfigSchema.parse(JSON.parse(r.config)));
  }

  async saveNotifier(config: NotifierConfig): Promise<void> {
    await this.insert('notify_notifier', [
      { name: config.name, config: JSON.stringify(config), deleted: 0, version: nextVersion() },
    ]);
  }

  async deleteNotifier(name: string): Promise<void> {
    await this.insert('notify_notifier', [{ name, config: '', deleted: 1, version: nextVersion() }]);
  }

  async recordNotification(r: NotificationRecord): Promise<void> {
    await this.insert('notify_notification', [
      {
        id: r.id,
        at: r.at,
        notifier: r.notifier,
        channel: r.channel,
        group_key: r.groupKey,
        status: r.status,
        alerts: r.alerts,
        state: r.state,
        attempts: r.attempts,
        error: r.error ?? '',
        code: r.code ?? '',
      },
    ]);
  }

  async notifications(q: NotificationQuery): Promise<NotificationRecord[]> {
    const rows = await this.select<{
      id: string;
      at: string;
      notifier: string;
      channel: string;
      group_key: string;
      status: 'firing' | 'resolved';
      alerts: number;
      state: 'sent' | 'failed';
      attempts: number;
      error: string;
      code: string;
    }>(
      `SELECT id, at, notifier, channel, group_key, status, alerts, state, attempts, error, code
       FROM ${this.db}.notify_notification
       WHERE ({state:String} = '' OR state = {state:String})
         AND ({notifier:String} = '' OR notifier = {notifier:String})
       ORDER BY at DESC LIMIT {limit:UInt32}`,
      { state: q.state ?? '', notifier: q.notifier ?? '', limit: q.limit },
    );
    return rows.map((r) => ({
      id: r.id,
      at: Number(r.at),
      notifier: r.notifier,
      channel: r.channel,
      groupKey: r.group_key,
      status: r.status,
      alerts: Number(r.alerts),
      state: r.state,
      attempts: Number(r.attempts),
      ...(r.error !== '' ? { error: r.error } : {}),
      ...(r.code !== '' ? { code: r.code } : {}),
    }));
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

let lastVersion = 0;
/** Increasing within this process, and across processes as far as their clocks agree. */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now() * 1000);
  return lastVersion;
}
