import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';

/** How far a backup got, in the source's pages (they may grow while it runs). */
export interface BackupProgress {
  readonly totalPages: number;
  readonly remainingPages: number;
  /** Times SQLite started over because a writer changed the source between two steps. */
  readonly restarts: number;
}

/** Pages per step at first: ~1 MiB at SQLite's 4 KiB pages, so a small store shows progress. */
const FIRST_STEP_PAGES = 256;

/**
 * Copies the store file at `source` to `destination` with SQLite's online backup API while
 * Vantage keeps writing it. The copy is the store as of one moment, bus checkpoints included, so a
 * Vantage started on it resumes from the position its data reached.
 *
 * SQLite restarts a backup when another connection (here the running worker, every
 * --worker-linger) writes the source between two steps. Each restart doubles the pages per step,
 * so under steady ingestion the copy finishes in fewer, larger steps, at worst in one step that
 * holds a read lock while it copies (writers go on: the store is in WAL mode).
 */
export async function backupSqliteStore(
  source: string,
  destination: string,
  onProgress: (p: BackupProgress) => void = () => undefined,
  requiredTables: readonly string[] = STORE_TABLES,
): Promise<BackupProgress> {
  if (!existsSync(source)) throw new Error(`no store at ${source}`);
  const db = new Database(source, { readonly: true, fileMustExist: true });
  const partial = `${destination}.partial`;
  rmSync(partial, { force: true });
  try {
    db.pragma('busy_timeout = 5000');
    let step = FIRST_STEP_PAGES;
    let restarts = 0;
    let lastRemaining = Number.POSITIVE_INFINITY;
    let last: BackupProgress = { totalPages: 0, remainingPages: 0, restarts: 0 };
    await db.backup(partial, {
      progress({ totalPages, remainingPages }) {
        // Remaining pages only fall within one pass; a rise means SQLite started over.
        if (remainingPages > lastRemaining) {
          restarts++;
          step *= 2;
        }
        lastRemaining = remainingPages;
        last = { totalPages, remainingPages, restarts };
        onProgress(last);
        return step;
      },
    });
    verifyStore(partial, requiredTables);
    renameSync(partial, destination);
    const done = { totalPages: last.totalPages, remainingPages: 0, restarts };
    onProgress(done);
    return done;
  } catch (err) {
    rmSync(partial, { force: true });
    throw err;
  } finally {
    db.close();
  }
}

/**
 * Puts a backup in place as the store file `storeFile` of a stopped Vantage. The backup is checked
 * first, copied beside the target and renamed over it, so a failure leaves the old store as it was;
 * the old WAL goes with it (it belongs to the old file).
 */
export async function restoreSqliteStore(
  backup: string,
  storeFile: string,
  onProgress: (p: BackupProgress) => void = () => undefined,
  requiredTables: readonly string[] = STORE_TABLES,
): Promise<void> {
  verifyStore(backup, requiredTables);
  // A fresh data directory is the usual target.
  mkdirSync(dirname(storeFile), { recursive: true });
  const incoming = `${storeFile}.restoring`;
  rmSync(incoming, { force: true });
  const db = new Database(backup, { readonly: true, fileMustExist: true });
  try {
    await db.backup(incoming, {
      progress({ totalPages, remainingPages }) {
        onProgress({ totalPages, remainingPages, restarts: 0 });
        return FIRST_STEP_PAGES * 16;
      },
    });
  } catch (err) {
    rmSync(incoming, { force: true });
    throw err;
  } finally {
    db.close();
  }
  for (const suffix of ['-wal', '-shm']) rmSync(storeFile + suffix, { force: true });
  renameSync(incoming, storeFile);
}

/** Tables without which a file is not the metric store (the others name their own). */
export const STORE_TABLES: readonly string[] = ['agg_1m', 'series', 'checkpoint'];

/** Refuses a file that is not a sound SQLite database holding the tables a Vantage file has. */
function verifyStore(file: string, requiredTables: readonly string[]): void {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new Error(`${file} is damaged: ${String(check)}`);
    const tables = new Set(
      (db.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'").all() as { name: string }[]).map(
        (r) => r.name,
      ),
    );
    for (const t of requiredTables) {
      if (!tables.has(t)) throw new Error(`${file} is not a Vantage store: it has no ${t} table`);
    }
  } finally {
    db.close();
  }
}
