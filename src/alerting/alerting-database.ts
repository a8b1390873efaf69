import Sqlite from 'better-sqlite3';
import type { Database } from 'better-sqlite3';

/**
 * Opens `alerting.db` (the ruler's tables and the notification side's `notify_*`) and creates
 * `schema`'s tables. WAL with synchronous=FULL: a state change the sink was told of, or a
 * notification logged as sent, survives a power cut as the samples behind it do; otherwise a
 * restart would fire or send it again.
 */
export function openAlertingDatabase(path: string, schema: string): Database {
  const db = new Sqlite(path);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.exec(schema);
  return db;
}
