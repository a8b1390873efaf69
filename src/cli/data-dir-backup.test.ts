import { mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  EMBEDDED_WORKER_GROUP,
  SegmentLog,
  committedPositionMeta,
  listSegments,
  segmentPath,
} from '../bus/index.js';
import { backupDataDir, readManifest, restoreDataDir } from './data-dir-backup.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-data-dir-backup-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const noProgress = (): void => undefined;

/** A data directory: a metric store with Vantage's tables and a log of 40 records in small segments. */
async function dataDir(): Promise<{ dataDir: string; offsets: number[] }> {
  const dataDir = join(dir, 'data');
  const log = await SegmentLog.open({ dir: join(dataDir, 'bus'), segmentBytes: 200 });
  const offsets = [];
  for (let i = 0; i < 40; i++) offsets.push(await log.append(Buffer.from(`record-${i}`)));
  await log.close();
  const db = new Database(join(dataDir, 'vantage.db'));
  db.exec(
    'CREATE TABLE agg_1m (x); CREATE TABLE series (x); CREATE TABLE checkpoint (x); INSERT INTO series VALUES (7)',
  );
  db.close();
  return { dataDir, offsets };
}

async function records(logDir: string, from: number): Promise<string[]> {
  const log = await SegmentLog.open({ dir: logDir });
  try {
    return (await log.read(from, 1000)).map((r) => r.payload.toString());
  } finally {
    await log.close();
  }
}

describe('backupDataDir and restoreDataDir', () => {
  it('copies the stores and the log from the committed position on, and puts them back', async () => {
    const { dataDir: source, offsets } = await dataDir();
    const committed = offsets[25] as number;
    writeFileSync(join(source, 'bus', committedPositionMeta(EMBEDDED_WORKER_GROUP)), String(committed));
    const to = join(dir, 'backup');
    const manifest = await backupDataDir(source, to, noProgress);
    expect(manifest.files.map((f) => f.name)).toEqual(['vantage.db']);
    expect(manifest.logs).toHaveLength(1);
    const [log] = manifest.logs;
    expect(log?.committed).toBe(committed);
    // Segments wholly before the committed position stay behind.
    const all = await listSegments(join(source, 'bus'));
    expect(log?.segments.length).toBeLessThan(all.length);
    // The staging links are gone from the data directory.
    expect(readdirSync(source).sort()).toEqual(['bus', 'vantage.db']);

    const restored = join(dir, 'restored');
    await restoreDataDir(await readManifest(to), to, restored, noProgress);
    expect(await records(join(restored, 'bus'), committed)).toEqual(
      Array.from({ length: 15 }, (_, i) => `record-${25 + i}`),
    );
    const db = new Database(join(restored, 'vantage.db'), { readonly: true });
    expect(db.prepare('SELECT x FROM series').pluck().get()).toBe(7);
    db.close();
  });

  it('refuses a log whose committed position is in a segment already gone', async () => {
    const { dataDir: source, offsets } = await dataDir();
    const committed = offsets[5] as number;
    writeFileSync(join(source, 'bus', committedPositionMeta(EMBEDDED_WORKER_GROUP)), String(committed));
    const [first] = await listSegments(join(source, 'bus'));
    rmSync(segmentPath(join(source, 'bus'), first as number));
    await expect(backupDataDir(source, join(dir, 'backup'), noProgress)).rejects.toThrow(
      /run the backup again/,
    );
  });

  it('refuses a backup whose files do not match its manifest', async () => {
    const { dataDir: source } = await dataDir();
    const to = join(dir, 'backup');
    const manifest = await backupDataDir(source, to, noProgress);
    const segment = manifest.logs[0]?.segments[0]?.name as string;
    truncateSync(join(to, 'bus', segment), 3);
    await expect(readManifest(to)).rejects.toThrow(/expected/);
    rmSync(join(to, 'manifest.json'));
    await expect(readManifest(to)).rejects.toThrow(/not a Vantage backup/);
  });
});
