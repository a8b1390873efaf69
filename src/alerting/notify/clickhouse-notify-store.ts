import { notifierConfigSchema } from '../alert.js';
import type { NotifierConfig } from '../alert.js';
import { ClickHouseTables, nextVersion } from '../clickhouse-tables.js';
import * as row from './notify-rows.js';
import type * as contract from './notify-store.js';
import type { Silence } from './silence.js';

export interface ClickHouseNotifyStoreOptions {
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly database: string;
}

/**
 * The notification side's state in ClickHouse, for `vantage api`: tables `notify_*` in Vantage's
 * database (ClickHouseTables says how they are created and versioned), so several API processes
 * may write silences and notifiers; the notification log and records are written by the one that
 * runs the ruler. Records age out after 30 days, expired silences after 5.
 */
export class ClickHouseNotifyStore implements contract.NotifyStore {
  private readonly db: string;
  private prunedBefore = 0;

  private constructor(private readonly tables: ClickHouseTables) {
    this.db = tables.database;
  }

  static async open(options: ClickHouseNotifyStoreOptions): Promise<ClickHouseNotifyStore> {
    const tables = await ClickHouseTables.open(options, 'vantage-notify', (db) => [
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
    ]);
    return new ClickHouseNotifyStore(tables);
  }

  async notificationLog(): Promise<contract.NotificationLogEntry[]> {
    const rows = await this.tables.select<row.LogRow>(
      `SELECT notifier, group_key, firing, resolved, sent_at FROM ${this.db}.notify_log FINAL`,
    );
    return rows.map(row.logEntryFromRow);
  }

  async saveNotificationLog(e: contract.NotificationLogEntry): Promise<void> {
    await this.tables.insert('notify_log', [row.logRow(e)]);
  }

  async silences(): Promise<Silence[]> {
    const rows = await this.tables.select<row.SilenceRow>(
      `SELECT id, matchers, starts_at, ends_at, created_by, comment, created_at
       FROM ${this.db}.notify_silence FINAL WHERE ends_at >= {before:Int64} ORDER BY created_at`,
      { before: this.prunedBefore },
    );
    return rows.map(row.silenceFromRow);
  }

  async saveSilence(s: Silence): Promise<void> {
    await this.tables.insert('notify_silence', [{ ...row.silenceRow(s), version: nextVersion() }]);
  }

  /** The table's TTL deletes them; until then reads leave them out. */
  async pruneSilences(before: number): Promise<void> {
    this.prunedBefore = before;
  }

  async notifiers(): Promise<NotifierConfig[]> {
    const rows = await this.tables.select<{ config: string }>(
      `SELECT config FROM ${this.db}.notify_notifier FINAL WHERE deleted = 0 ORDER BY name`,
    );
    return rows.map((r) => notifierConfigSchema.parse(JSON.parse(r.config)));
  }

  async saveNotifier(config: NotifierConfig): Promise<void> {
    await this.tables.insert('notify_notifier', [
      { name: config.name, config: JSON.stringify(config), deleted: 0, version: nextVersion() },
    ]);
  }

  async deleteNotifier(name: string): Promise<void> {
    await this.tables.insert('notify_notifier', [{ name, config: '', deleted: 1, version: nextVersion() }]);
  }

  async recordNotification(r: contract.NotificationRecord): Promise<void> {
    await this.tables.insert('notify_notification', [row.notificationRow(r, '')]);
  }

  async notifications(q: contract.NotificationQuery): Promise<contract.NotificationRecord[]> {
    const rows = await this.tables.select<row.NotificationRow>(
      `SELECT id, at, notifier, channel, group_key, status, alerts, state, attempts, error, code
       FROM ${this.db}.notify_notification
       WHERE ({state:String} = '' OR state = {state:String})
         AND ({notifier:String} = '' OR notifier = {notifier:String})
       ORDER BY at DESC LIMIT {limit:UInt32}`,
      { state: q.state ?? '', notifier: q.notifier ?? '', limit: q.limit },
    );
    return rows.map(row.notificationFromRow);
  }

  async close(): Promise<void> {
    await this.tables.close();
  }
}
