import { open, readdir, rm, rename, writeFile, readFile, mkdir } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * An append-only log on local disk: the embedded bus. Records are framed as
 * [u32 length][u32 crc32][payload] in segment files named by the offset of their first byte, and a
 * record's offset is its byte position in the whole log.
 *
 * Appends are group-committed: while one write + fdatasync is in flight, new appends queue, and the
 * next write carries all of them with one fdatasync. An append resolves only after its fdatasync,
 * so a process killed at any moment loses no record whose append resolved. A torn tail left by a
 * crash is cut off at the next open: its appends never resolved.
 */

const FRAME_HEADER = 8;
const SEGMENT_SUFFIX = '.log';
const MAX_RECORD_BYTES = 256 * 1024 * 1024;

export interface LogRecord {
  readonly offset: number;
  /** Offset of the record after this one. */
  readonly next: number;
  readonly payload: Buffer;
}

interface PendingAppend {
  readonly frame: Buffer;
  readonly resolve: (offset: number) => void;
  readonly reject: (err: Error) => void;
}

export interface SegmentLogOptions {
  readonly dir: string;
  /** A segment is closed and a new one started once it passes this size. */
  readonly segmentBytes?: number;
}

export class SegmentLog {
  private readonly dir: string;
  private readonly segmentBytes: number;
  /** Base offsets of the segments on disk, ascending. */
  private segments: number[] = [];
  private active: FileHandle | undefined;
  private activeBase = 0;
  private end = 0;
  private queue: PendingAppend[] = [];
  private writing = false;
  private closed = false;
  private readonly waiters = new Set<() => void>();
  private logId = '';

  private constructor(options: SegmentLogOptions) {
    this.dir = options.dir;
    this.segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
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

  /** Offset after the last durable record. */
  get durableEnd(): number {
    return this.end;
  }

  /** Offset of the first record still on disk. */
  get start(): number {
    return this.segments[0] ?? this.end;
  }

  /** Appends one record; resolves with its offset once it is on disk. */
  append(payload: Buffer): Promise<number> {
    if (this.closed) return Promise.reject(new Error('the log is closed'));
    if (payload.length > MAX_RECORD_BYTES)
      return Promise.reject(new RangeError('record too large for the log'));
    const frame = Buffer.allocUnsafe(FRAME_HEADER + payload.length);
    frame.writeUInt32LE(payload.length, 0);
    frame.writeUInt32LE(crc32(payload), 4);
    payload.copy(frame, FRAME_HEADER);
    return new Promise((resolve, reject) => {
      this.queue.push({ frame, resolve, reject });
      if (!this.writing) void this.writeLoop();
    });
  }

  /** Resolves when a record past `offset` is durable, or after `timeoutMs`. */
  waitFor(offset: number, timeoutMs: number): Promise<void> {
    if (this.end > offset || this.closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.waiters.delete(done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  /**
   * Reads durable records from `offset` on, up to `maxRecords` or about `maxBytes`.
   * An offset below the start of the log (its segment deleted) resumes at the start.
   */
  async read(offset: number, maxRecords: number, maxBytes = 16 * 1024 * 1024): Promise<LogRecord[]> {
    let at = Math.max(offset, this.start);
    const records: LogRecord[] = [];
    let bytes = 0;
    while (at < this.end && records.length < maxRecords && bytes < maxBytes) {
      const base = this.segmentFor(at);
      const segmentEnd = this.segmentEnd(base);
      const fh = await open(this.segmentPath(base), 'r');
      try {
        while (at < segmentEnd && records.length < maxRecords && bytes < maxBytes) {
          const header = Buffer.allocUnsafe(FRAME_HEADER);
          await fh.read(header, 0, FRAME_HEADER, at - base);
          const length = header.readUInt32LE(0);
          const payload = Buffer.allocUnsafe(length);
          await fh.read(payload, 0, length, at - base + FRAME_HEADER);
          if (crc32(payload) !== header.readUInt32LE(4)) {
            throw new Error(`log record at offset ${at} fails its checksum`);
          }
          const next = at + FRAME_HEADER + length;
          records.push({ offset: at, next, payload });
          bytes += length;
          at = next;
        }
      } finally {
        await fh.close();
      }
    }
    return records;
  }

  /** Offset of the record after the one at `offset`. */
  async nextAfter(offset: number): Promise<number> {
    const base = this.segmentFor(offset);
    const fh = await open(this.segmentPath(base), 'r');
    try {
      const header = Buffer.allocUnsafe(FRAME_HEADER);
      await fh.read(header, 0, FRAME_HEADER, offset - base);
      return offset + FRAME_HEADER + header.readUInt32LE(0);
    } finally {
      await fh.close();
    }
  }

  /** Deletes whole segments that end at or before `offset`. */
  async truncateBefore(offset: number): Promise<void> {
    while (this.segments.length > 1 && (this.segments[1] as number) <= offset) {
      const base = this.segments.shift() as number;
      await rm(this.segmentPath(base), { force: true });
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    while (this.writing) await new Promise((r) => setTimeout(r, 5));
    for (const wake of [...this.waiters]) wake();
    await this.active?.close();
    this.active = undefined;
  }

  /** A small file beside the log, written atomically (consumer positions). */
  async writeMeta(name: string, text: string): Promise<void> {
    const path = join(this.dir, name);
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
  }

  async readMeta(name: string): Promise<string | undefined> {
    try {
      return await readFile(join(this.dir, name), 'utf8');
    } catch {
      return undefined;
    }
  }

  private async writeLoop(): Promise<void> {
    this.writing = true;
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
          for (const wake of [...this.waiters]) wake();
        } catch (err) {
          // The failed bytes may be partly on disk; cut them off so later appends follow good data.
          await this.active?.truncate(this.end - this.activeBase).catch(() => undefined);
          for (const p of batch) p.reject(err instanceof Error ? err : new Error(String(err)));
        }
      }
    } finally {
      this.writing = false;
    }
  }

  private async roll(): Promise<void> {
    await this.active?.close();
    this.activeBase = this.end;
    this.segments.push(this.activeBase);
    this.active = await open(this.segmentPath(this.activeBase), 'w+');
  }

  private async recover(): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    this.logId = (await this.readMeta('log.id'))?.trim() ?? '';
    if (this.logId === '') {
      this.logId = randomUUID();
      await this.writeMeta('log.id', this.logId);
    }
    const names = await readdir(this.dir);
    this.segments = names
      .filter((n) => n.endsWith(SEGMENT_SUFFIX))
      .map((n) => Number(n.slice(0, -SEGMENT_SUFFIX.length)))
      .filter((n) => Number.isSafeInteger(n))
      .sort((a, b) => a - b);
    if (this.segments.length === 0) this.segments.push(0);
    this.activeBase = this.segments[this.segments.length - 1] as number;
    // Positioned writes need 'r+' ('a' would ignore the position); create the file first if new.
    await writeFile(this.segmentPath(this.activeBase), '', { flag: 'a' });
    this.active = await open(this.segmentPath(this.activeBase), 'r+');
    const validBytes = await this.scanValid(this.active);
    await this.active.truncate(validBytes);
    await this.active.datasync();
    this.end = this.activeBase + validBytes;
  }

  /** Length of the run of whole, checksummed records at the start of a segment. */
  private async scanValid(fh: FileHandle): Promise<number> {
    const { size } = await fh.stat();
    const header = Buffer.allocUnsafe(FRAME_HEADER);
    let at = 0;
    while (at + FRAME_HEADER <= size) {
      await fh.read(header, 0, FRAME_HEADER, at);
      const length = header.readUInt32LE(0);
      if (length > MAX_RECORD_BYTES || at + FRAME_HEADER + length > size) break;
      const payload = Buffer.allocUnsafe(length);
      await fh.read(payload, 0, length, at + FRAME_HEADER);
      if (crc32(payload) !== header.readUInt32LE(4)) break;
      at += FRAME_HEADER + length;
    }
    return at;
  }

  private segmentFor(offset: number): number {
    let base = this.segments[0] as number;
    for (const s of this.segments) {
      if (s <= offset) base = s;
      else break;
    }
    return base;
  }

  private segmentEnd(base: number): number {
    const i = this.segments.indexOf(base);
    return i + 1 < this.segments.length ? (this.segments[i + 1] as number) : this.end;
  }

  private segmentPath(base: number): string {
    return join(this.dir, `${String(base).padStart(20, '0')}${SEGMENT_SUFFIX}`);
  }
}
