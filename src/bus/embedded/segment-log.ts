import { open, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import {
  FRAME_HEADER,
  MAX_RECORD_BYTES,
  checksumMatches,
  frame,
  listSegments,
  readMeta,
  segmentPath,
  writeMeta,
} from './log-files.js';
import { SegmentLogReader } from './segment-log-reader.js';
import { makeDirectory, syncDirectory } from './directory-sync.js';
import type { DirectorySync } from './directory-sync.js';
import type { LogRecord } from './segment-log-reader.js';

export type { LogRecord } from './segment-log-reader.js';

/**
 * An append-only log on local disk: the embedded bus. A record's offset is its byte position in
 * the whole log; segment files roll over at `segmentBytes`.
 *
 * Appends are group-committed: while one write + fdatasync is in flight, new appends queue, and the
 * next write carries all of them with one fdatasync. An append resolves only after its fdatasync,
 * so a process killed at any moment loses no record whose append resolved. A torn tail left by a
 * crash is cut off at the next open: its appends never resolved.
 *
 * The log reads through a SegmentLogReader of its own; readers in other threads get the durable
 * end through `onDurable`.
 */

interface PendingAppend {
  readonly frame: Buffer;
  readonly resolve: (offset: number) => void;
  readonly reject: (err: Error) => void;
}

export interface SegmentLogOptions {
  readonly dir: string;
  /** A segment is closed and a new one started once it passes this size. */
  readonly segmentBytes?: number;
  /** How the directory is synced after a file is created or renamed in it; tests pass their own. */
  readonly syncDirectory?: DirectorySync;
}

export class SegmentLog {
  private readonly dir: string;
  private readonly segmentBytes: number;
  private active: FileHandle | undefined;
  private activeBase = 0;
  private end = 0;
  private queue: PendingAppend[] = [];
  private writing: Promise<void> | undefined;
  private closed = false;
  private logId = '';
  private readonly listeners: ((end: number) => void)[] = [];
  private reader!: SegmentLogReader;
  private readonly syncDir: DirectorySync;

  private constructor(options: SegmentLogOptions) {
    this.dir = options.dir;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    this.syncDir = options.syncDirectory ?? syncDirectory;
  }

  static async open(options: SegmentLogOptions): Promise<SegmentLog> {
    const log = new SegmentLog(options);
    await log.recover();
    return log;
  }

  /**
   * Identity of this log, made when it is first created. Consumers key their saved positions by
   * it, so that a log deleted and started again is never mistaken for the old one.
   */
  get id(): string {
    return this.logId;
  }

  get directory(): string {
    return this.dir;
  }

  /** Offset after the last durable record. */
  get durableEnd(): number {
    return this.end;
  }

  /** Offset of the first record still on disk. */
  get start(): number {
    return this.reader.start;
  }

  /** Calls `listener` with the new durable end after every completed write. */
  onDurable(listener: (end: number) => void): void {
    this.listeners.push(listener);
  }

  /** Appends one record; resolves with its offset once it is on disk. */
  append(payload: Buffer): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the log is closed'));
    if (payload.length > MAX_RECORD_BYTES)
      return Promise.reject(new RangeError('record too large for the log'));
    return new Promise((resolve, reject) => {
      this.queue.push({ frame: frame(payload), resolve, reject });
      this.writing ??= this.writeLoop();
    });
  }

  waitFor(offset: number, timeoutMs: number): Promise<void> {
    return this.reader.waitFor(offset, timeoutMs);
  }

  read(offset: number, maxRecords: number, maxBytes?: number): Promise<LogRecord[]> {
    return this.reader.read(offset, maxRecords, maxBytes);
  }

  nextAfter(offset: number): Promise<number> {
    return this.reader.nextAfter(offset);
  }

  truncateBefore(offset: number): Promise<void> {
    return this.reader.truncateBefore(offset);
  }

  readMeta(name: string): Promise<string | undefined> {
    return readMeta(this.dir, name);
  }

  writeMeta(name: string, text: string): Promise<void> {
    return writeMeta(this.dir, name, text, this.syncDir);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.writing;
    this.reader.close();
    await this.active?.close();
    this.active = undefined;
  }

  private async writeLoop(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          if (this.end - this.activeBase >= this.segmentBytes) await this.roll();
          const fh = this.active as FileHandle;
          const data =
            batch.length === 1 ? (batch[0] as PendingAppend).frame : Buffer.concat(batch.map((p) => p.frame));
          let written = 0;
          while (written < data.length) {
            const { bytesWritten } = await fh.write(
              data,
              written,
              data.length - written,
              this.end - this.activeBase + written,
            );
            written += bytesWritten;
          }
          await fh.datasync();
          let offset = this.end;
          this.end += data.length;
          for (const p of batch) {
            p.resolve(offset);
            offset += p.frame.length;
          }
          this.reader.advance(this.end);
          for (const listener of this.listeners) listener(this.end);
        } catch (err) {
          // The failed bytes may be partly on disk; cut them off so later appends follow good data.
          await this.active?.truncate(this.end - this.activeBase).catch(() => undefined);
          for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    } finally {
      this.writing = undefined;
    }
  }

  private async roll(): Promise<void> {
    await this.active?.close();
    this.activeBase = this.end;
    this.active = await open(segmentPath(this.dir, this.activeBase), 'w+');
    // Before the batch that follows resolves: its records live in this new file. Once per
    // segment (64 MB by default), never per append.
    await this.syncDir(this.dir);
  }

  private async recover(): Promise<void> {
    await makeDirectory(this.dir, this.syncDir);
    this.logId = (await readMeta(this.dir, 'log.id'))?.trim() ?? '';
    if (this.logId === '') {
      this.logId = randomUUID();
      await writeMeta(this.dir, 'log.id', this.logId, this.syncDir);
    }
    const segments = await listSegments(this.dir);
    this.activeBase = segments[segments.length - 1] ?? 0;
    const path = segmentPath(this.dir, this.activeBase);
    // Positioned writes need 'r+' ('a' would ignore the position); create the file first if new.
    await writeFile(path, '', { flag: 'a' });
    this.active = await open(path, 'r+');
    const validBytes = await scanValid(this.active);
    await this.active.truncate(validBytes);
    await this.active.datasync();
    // The segment may have just been created; cheap when nothing changed, and done once per open.
    await this.syncDir(this.dir);
    this.end = this.activeBase + validBytes;
    this.reader = new SegmentLogReader(this.dir, this.end, this.syncDir);
    await this.reader.refresh();
  }
}

/** Length of the run of whole, checksummed records at the start of a segment. */
async function scanValid(fh: FileHandle): Promise<number> {
  const { size } = await fh.stat();
  const header = Buffer.allocUnsafe(FRAME_HEADER);
  let at = 0;
  while (at + FRAME_HEADER <= size) {
    await fh.read(header, 0, FRAME_HEADER, at);
    const length = header.readUInt32LE(0);
    if (length > MAX_RECORD_BYTES || at + FRAME_HEADER + length > size) break;
    const payload = Buffer.allocUnsafe(length);
    await fh.read(payload, 0, length, at + FRAME_HEADER);
    if (!checksumMatches(header, payload)) break;
    at += FRAME_HEADER + length;
  }
  return at;
}
