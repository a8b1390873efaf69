import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MINUTE_MS, addSample, canonicalTags, floorTo, newAggregate } from '../../core/index.js';
import type { Aggregate, TierRetention } from '../../core/index.js';
import { SqliteStore } from './sqlite-store.js';
import { backupSqliteStore, restoreSqliteStore } from './sqlite-backup.js';

const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const T0 = Date.UTC(2026, 0, 1);
const SOURCE = 'embedded:test';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-backup-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function agg(i: number): Aggregate {
  const at = T0 + i * MINUTE_MS;
  const a = newAggregate(
    'checkout',
    'latency_ms',
    'gauge',
    canonicalTags({ host: `h${i % 50}` }),
    floorTo(at, MINUTE_MS),
  );
  addSample(a, i, at);
  return a;
}

/** Rows of the minute tier and the checkpoint's offset: they move together in every write. */
function snapshot(file: string): { rows: number; offset: number } {
  const db = new Database(file, { readonly: true });
  try {
    const { rows } = db.prepare('SELECT count(*) AS rows FROM agg_1m').get() as { rows: number };
    const row = db.prepare('SELECT "offset" AS o FROM checkpoint WHERE source = ?').get(SOURCE) as
      { o: number } | undefined;
    return { rows, offset: row?.o ?? -1 };
  } finally {
    db.close();
  }
}

describe('backupSqliteStore', () => {
  it('copies the store as of one write while writes go on, then restores it', async () => {
    const path = join(dir, 'vantage.db');
    const store = new SqliteStore({ path, retention: FOREVER });
    // Enough rows for a backup of many steps.
    const bulk = Array.from({ length: 5_000 }, (_, i) => agg(i));
    await store.write(bulk, [{ source: SOURCE, partition: 0, offset: bulk.length - 1 }]);
    let next = bulk.length;
    let writing = true;
    // One write between each backup step: a new minute row and its checkpoint, atomically.
    const writer = (async () => {
      while (writing) {
        await store.write([agg(next)], [{ source: SOURCE, partition: 0, offset: next }]);
        next++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const progress: number[] = [];
    const out = join(dir, 'copy.db');
    const done = await backupSqliteStore(path, out, (p) => progress.push(p.remainingPages));
    writing = false;
    await writer;
    await store.close();

    expect(done.remainingPages).toBe(0);
    expect(progress.length).toBeGreaterThan(2);
    expect(existsSync(`${out}.partial`)).toBe(false);
    const copy = snapshot(out);
    // Consistent: exactly the rows of the writes up to the checkpoint it holds, no more, no fewer.
    expect(copy.rows).toBe(copy.offset + 1);
    expect(copy.rows).toBeGreaterThanOrEqual(bulk.length);
    expect(snapshot(path).rows).toBe(next);

    const target = join(dir, 'restored', 'vantage.db');
    await restoreSqliteStore(out, target);
    writeFileSync(`${target}-wal`, 'stale WAL of the store being replaced');
    await restoreSqliteStore(out, target);
    expect(existsSync(`${target}-wal`)).toBe(false);
    expect(snapshot(target)).toEqual(copy);
    const restored = new SqliteStore({ path: target, retention: FOREVER });
    try {
      expect(await restored.checkpoints(SOURCE)).toEqual([
        { source: SOURCE, partition: 0, offset: copy.offset },
      ]);
      expect((await restored.stats()).series).toBe(50);
    } finally {
      await restored.close();
    }
  });

  it('refuses to restore a file that is not a Vantage store, and leaves the target alone', async () => {
    const other = join(dir, 'other.db');
    const db = new Database(other);
    db.exec('CREATE TABLE t (a)');
    db.close();
    const target = join(dir, 'vantage.db');
    writeFileSync(target, 'the store in place');
    await expect(restoreSqliteStore(other, target)).rejects.toThrow('not a Vantage store');
    const garbage = join(dir, 'garbage.db');
    writeFileSync(garbage, 'x'.repeat(8192));
    await expect(restoreSqliteStore(garbage, target)).rejects.toThrow();
    expect(existsSync(`${target}.restoring`)).toBe(false);
    await expect(backupSqliteStore(join(dir, 'none.db'), join(dir, 'out.db'))).rejects.toThrow('no store');
  });
});
