import { open, rm } from 'node:fs/promises';
import {
  FRAME_HEADER,
  checksumMatches,
  listSegments,
  readMeta,
  segmentPath,
  writeMeta,
} from './log-files.js';
import { syncDirectory } from './directory-sync.js';
import type { DirectorySync } from './directory-sync.js';

export interface LogRecord {
  readonly offset: number;
  /** Offset of the record after this one. */
  readonly next: number;
  readonly payload: Buffer;
}

/**
 * Reads the embedded log: records up to the durable end it has been told of, never past it, so it
 * never sees a record whose append has not completed. It may live in another thread than the
 * writer: the writer's durable end reaches it through `advance`.
 */
export class SegmentLogReader {
  private segmentList: number[] = [];
  private end: number;
  private readonly waiters = new Set<() => void>();
  private closed = false;

  constructor(
    private readonly dir: string,
    durableEnd: number,
    private readonly syncDir: DirectorySync = syncDirectory,
  ) {
    this.end = durableEnd;
  }

  get durableEnd(): number {
    return this.end;
  }

  /** Base offsets of the segment files, as of the last refresh. */
  get segments(): readonly number[] {
    return this.segmentList;
  }

  /** Offset of the first record still on disk (as of the last read or truncation). */
  get start(): number {
    return this.segmentList[0] ?? this.end;
  }

  async refresh(): Promise<void> {
    this.segmentList = await listSegments(this.dir);
  }

  /** The writer made records up to `end` durable. */
  advance(end: number): void {
    if (end <= this.end) return;
    this.end = end;
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves when a record past `offset` is durable, or after `timeoutMs`. */
  waitFor(offset: number, timeoutMs: number): Promise<void> {
    if (this.end > offset || this.closed || timeoutMs <= 0) return Promise.resolve();
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
   * Records from `offset` on, up to `maxRecords` or about `maxBytes`. An offset below the start
   * of the log (its segment deleted) resumes at the start.
   */
  async read(offset: number, maxRecords: number, maxBytes = 16 * 1024 * 1024): Promise<LogRecord[]> {
    // The durable end is taken before listing the segments: every byte below it is then in a
    // segment the listing shows. (Taken after, it could reach into a segment the writer rolled to
    // since, and this segment's reads would run past its end.)
    const end = this.end;
    if (offset >= end) return [];
    await this.refresh();
    let at = Math.max(offset, this.start);
    const records: LogRecord[] = [];
    let bytes = 0;
    while (at < end && records.length < maxRecords && bytes < maxBytes) {
      const base = this.segmentFor(at);
      const segmentEnd = this.segmentEnd(base, end);
      const fh = await open(segmentPath(this.dir, base), 'r');
      try {
        while (at < segmentEnd && records.length < maxRecords && bytes < maxBytes) {
          const header = Buffer.allocUnsafe(FRAME_HEADER);
          await fh.read(header, 0, FRAME_HEADER, at - base);
          const length = header.readUInt32LE(0);
          const payload = Buffer.allocUnsafe(length);
          await fh.read(payload, 0, length, at - base + FRAME_HEADER);
          if (!checksumMatches(header, payload))
            throw new Error(`log record at offset ${at} fails its checksum`);
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
    await this.refresh();
    const base = this.segmentFor(offset);
    const fh = await open(segmentPath(this.dir, base), 'r');
    try {
      const header = Buffer.allocUnsafe(FRAME_HEADER);
      await fh.read(header, 0, FRAME_HEADER, offset - base);
      return offset + FRAME_HEADER + header.readUInt32LE(0);
    } finally {
      await fh.close();
    }
  }

  /** Deletes whole segments that end at or before `offset`; the active segment always stays. */
  async truncateBefore(offset: number): Promise<void> {
    await this.refresh();
    while (this.segmentList.length > 1 && (this.segmentList[1] as number) <= offset) {
      const base = this.segmentList.shift() as number;
      await rm(segmentPath(this.dir, base), { force: true });
    }
  }

  readMeta(name: string): Promise<string | undefined> {
    return readMeta(this.dir, name);
  }

  writeMeta(name: string, text: string): Promise<void> {
    return writeMeta(this.dir, name, text, this.syncDir);
  }

  close(): void {
    this.closed = true;
    for (const wake of [...this.waiters]) wake();
  }

  private segmentFor(offset: number): number {
    let base = this.segmentList[0] ?? 0;
    for (const s of this.segmentList) {
      if (s <= offset) base = s;
      else break;
    }
    return base;
  }

  private segmentEnd(base: number, end: number): number {
    const i = this.segmentList.indexOf(base);
    return i + 1 < this.segmentList.length ? Math.min(this.segmentList[i + 1] as number, end) : end;
  }
}
