import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db } from 'better-sqlite3';
import { QuantileSketch, laterWins } from '../../core/index.js';

/**
 * Opens a connection to the store's file with the settings and SQL functions every connection
 * needs: the writer's, the main thread's reader and each query thread's (docs/architecture.md).
 * A read-only connection leaves the journal mode alone (the writer set WAL, which the file keeps)
 * and cannot write by accident; it still has its own TEMP tables.
 */
export function openDatabase(path: string, options: { readonly readonly?: boolean } = {}): Db {
  const readonly = options.readonly ?? false;
  const db = new Database(path, { readonly });
  if (!readonly) {
    db.pragma('journal_mode = WAL');
    // FULL: a committed write survives power loss, since the bus log behind it may already be gone.
    db.pragma('synchronous = FULL');
  }
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 1073741824');
  registerSketchFunctions(db);
  return db;
}

/**
 * A database's bytes on disk: its file and its write-ahead log. A missing file counts as none (no
 * WAL right after a checkpoint truncated it). The metric store's stats and the outboxes report it.
 */
export function databaseBytesOnDisk(path: string): number {
  let bytes = 0;
  for (const suffix of ['', '-wal']) {
    try {
      bytes += statSync(path + suffix).size;
    } catch {
      // Missing: no bytes.
    }
  }
  return bytes;
}

/**
 * The SQL functions the store's statements and the compiled VQL use: sketch_merge (upserts),
 * sketch_union (percentiles), last_by_time (the latest value of a bucket).
 */
function registerSketchFunctions(db: Db): void {
  db.function('sketch_merge', { deterministic: true }, (a: unknown, b: unknown) => {
    if (!Buffer.isBuffer(a)) return Buffer.isBuffer(b) ? b : null;
    if (!Buffer.isBuffer(b)) return a;
    const merged = new QuantileSketch();
    merged.mergeEncoded(a);
    merged.mergeEncoded(b);
    return merged.encode();
  });
  db.aggregate('sketch_union', {
    start: () => new QuantileSketch(),
    step: (acc: QuantileSketch, blob: unknown) => {
      if (Buffer.isBuffer(blob)) acc.mergeEncoded(blob);
      return acc;
    },
    result: (acc: QuantileSketch) => (acc.count === 0 ? null : acc.encode()),
  });
  // The typings allow one argument per step; SQLite passes two here (value, time).
  const lastByTime = {
    start: () => ({ ts: Number.NEGATIVE_INFINITY, value: 0 }),
    step: (acc: { ts: number; value: number }, value: unknown, ts: unknown) => {
      const v = Number(value);
      const t = Number(ts);
      return laterWins(t, v, acc.ts, acc.value) ? { ts: t, value: v } : acc;
    },
    result: (acc: { ts: number; value: number }) => (acc.ts === Number.NEGATIVE_INFINITY ? null : acc.value),
  };
  db.aggregate('last_by_time', lastByTime as unknown as Parameters<Db['aggregate']>[1]);
}
