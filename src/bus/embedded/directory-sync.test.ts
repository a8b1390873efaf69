import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeDirectory, syncDirectory } from './directory-sync.js';
import type { DirectorySync } from './directory-sync.js';
import { SegmentLog } from './segment-log.js';
import { SegmentLogReader } from './segment-log-reader.js';
import { EmbeddedConsumer } from './embedded-bus.js';

/**
 * A power cut cannot be staged here, so these tests hold the log to the rule that makes one
 * harmless: every directory entry the log relies on (a file created, or a name renamed onto a
 * new file) was in its directory when that directory was synced, before the append or commit
 * that relies on it resolved. The recorder syncs for real and notes what each sync covered, as
 * name -> inode, so that a rename onto an existing name counts as a new entry.
 */
class SyncRecorder {
  readonly covered = new Map<string, Set<string>>();
  readonly synced: string[] = [];

  readonly sync: DirectorySync = async (dir) => {
    const seen = this.covered.get(dir) ?? new Set<string>();
    for (const name of readdirSync(dir)) seen.add(entry(dir, name));
    this.covered.set(dir, seen);
    this.synced.push(dir);
    await syncDirectory(dir);
  };

  /** Entries of `dir` now on disk that no sync of `dir` covered. */
  unsynced(dir: string): string[] {
    const seen = this.covered.get(dir) ?? new Set<string>();
    return readdirSync(dir)
      .map((name) => entry(dir, name))
      .filter((e) => !seen.has(e));
  }
}

function entry(dir: string, name: string): string {
  return `${name}@${statSync(join(dir, name)).ino}`;
}

let root: string;
const opened: SegmentLog[] = [];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'vantage-dirsync-'));
});

afterEach(async () => {
  for (const log of opened.splice(0)) await log.close();
  rmSync(root, { recursive: true, force: true });
});

async function openLog(dir: string, recorder: SyncRecorder, segmentBytes = 256): Promise<SegmentLog> {
  const log = await SegmentLog.open({ dir, segmentBytes, syncDirectory: recorder.sync });
  opened.push(log);
  return log;
}

describe('the embedded log and its directory', () => {
  it('syncs the new directories, log.id and the first segment before open resolves', async () => {
    const recorder = new SyncRecorder();
    const dir = join(root, 'data', 'bus');
    await openLog(dir, recorder);
    expect(readdirSync(dir).sort()).toEqual(['00000000000000000000.log', 'log.id']);
    expect(recorder.unsynced(dir)).toEqual([]);
    expect(recorder.unsynced(join(root, 'data'))).toEqual([]);
    expect(recorder.unsynced(root)).toEqual([]);
  });

  it('syncs each new segment before the append written into it resolves, and not per append', async () => {
    const recorder = new SyncRecorder();
    const dir = join(root, 'bus');
    const log = await openLog(dir, recorder, 256);
    const syncsAfterOpen = recorder.synced.length;
    for (let i = 0; i < 40; i++) {
      await log.append(Buffer.alloc(100, i));
      expect(recorder.unsynced(dir)).toEqual([]);
    }
    const segments = readdirSync(dir).filter((n) => n.endsWith('.log'));
    expect(segments.length).toBeGreaterThan(5);
    // One sync per segment rolled to, none for the appends that stayed in a segment.
    expect(recorder.synced.length - syncsAfterOpen).toBe(segments.length - 1);
  });

  it("syncs a consumer's renamed offset file before its commit resolves", async () => {
    const recorder = new SyncRecorder();
    const dir = join(root, 'bus');
    const log = await openLog(dir, recorder, 256);
    const offsets: number[] = [];
    for (let i = 0; i < 12; i++) offsets.push(await log.append(Buffer.alloc(100, i)));
    // The worker thread's consumer reads through a reader of its own, as in embedded mode.
    const reader = new SegmentLogReader(dir, log.durableEnd, recorder.sync);
    await reader.refresh();
    const consumer = await EmbeddedConsumer.open(reader, 'worker');
    for (const offset of offsets.slice(0, 3)) {
      await consumer.commit(0, offset);
      // Each commit renames a new file onto the same name: a new inode the directory must hold.
      expect(readdirSync(dir)).toContain('consumer-worker.offset');
      expect(recorder.unsynced(dir)).toEqual([]);
    }
    reader.close();
  });

  it('rewrites log.id durably when it is missing, on a second open', async () => {
    const recorder = new SyncRecorder();
    const dir = join(root, 'bus');
    const first = await openLog(dir, recorder);
    await first.close();
    rmSync(join(dir, 'log.id'));
    const second = await openLog(dir, recorder);
    expect(second.id).not.toBe(first.id);
    expect(recorder.unsynced(dir)).toEqual([]);
  });
});

describe('makeDirectory', () => {
  it('syncs the parent of every directory it creates, and nothing when they exist', async () => {
    const recorder = new SyncRecorder();
    await makeDirectory(join(root, 'a', 'b', 'c'), recorder.sync);
    expect(recorder.synced).toEqual([root, join(root, 'a'), join(root, 'a', 'b')]);
    await makeDirectory(join(root, 'a', 'b', 'c'), recorder.sync);
    expect(recorder.synced).toHaveLength(3);
  });

  it('works with the real fsync on a real directory, through a whole log life', async () => {
    const dir = join(root, 'real', 'bus');
    const log = await SegmentLog.open({ dir, segmentBytes: 256 });
    opened.push(log);
    let last = 0;
    for (let i = 0; i < 10; i++) last = await log.append(Buffer.alloc(100, i));
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    await consumer.commit(0, last);
    expect(await log.readMeta('consumer-worker.offset')).toBe(String(log.durableEnd));
    await expect(syncDirectory(dir)).resolves.toBeUndefined();
  });
});
