import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import {
  appendFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SegmentLog } from './segment-log.js';
import type { LogRecord } from './segment-log.js';

const FRAME_HEADER = 8;

let dir: string;
const opened: SegmentLog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-segment-log-'));
});

afterEach(async () => {
  for (const log of opened.splice(0)) await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openLog(segmentBytes?: number, at = dir): Promise<SegmentLog> {
  const log = await SegmentLog.open({ dir: at, ...(segmentBytes === undefined ? {} : { segmentBytes }) });
  opened.push(log);
  return log;
}

function payload(i: number, size = 10 + (i % 7)): Buffer {
  return Buffer.from(`record-${i}-`.padEnd(size, String.fromCharCode(97 + (i % 26))));
}

function segmentFiles(): string[] {
  return readdirSync(dir)
    .filter((n) => n.endsWith('.log'))
    .sort();
}

function lastSegmentPath(): string {
  const files = segmentFiles();
  return join(dir, files[files.length - 1] as string);
}

async function readAll(log: SegmentLog, from = 0): Promise<LogRecord[]> {
  return log.read(from, 1_000_000);
}

function flipBits(bytes: Buffer, at: number, mask: number): void {
  bytes.writeUInt8(bytes.readUInt8(at) ^ mask, at);
}

function texts(records: readonly LogRecord[]): string[] {
  return records.map((r) => r.payload.toString());
}

describe('SegmentLog appends and reads', () => {
  it('resolves appends with their offsets, in order', async () => {
    const log = await openLog();
    const payloads = [0, 1, 2, 3, 4].map((i) => payload(i));
    const offsets: number[] = [];
    for (const p of payloads) offsets.push(await log.append(p));
    let expected = 0;
    payloads.forEach((p, i) => {
      expect(offsets[i]).toBe(expected);
      expected += FRAME_HEADER + p.length;
    });
    expect(log.durableEnd).toBe(expected);
    const records = await readAll(log);
    expect(texts(records)).toEqual(payloads.map(String));
    expect(records.map((r) => r.offset)).toEqual(offsets);
    records.forEach((r, i) => expect(r.next).toBe(records[i + 1]?.offset ?? log.durableEnd));
  });

  it('resolves concurrent (group-committed) appends in call order, all readable', async () => {
    const log = await openLog();
    const payloads = Array.from({ length: 300 }, (_, i) => payload(i, 5 + (i % 40)));
    const offsets = await Promise.all(payloads.map((p) => log.append(p)));
    // Queued in call order: each record follows the previous one.
    for (let i = 1; i < offsets.length; i++) {
      expect(offsets[i]).toBe((offsets[i - 1] as number) + FRAME_HEADER + (payloads[i - 1] as Buffer).length);
    }
    const records = await readAll(log);
    expect(records).toHaveLength(300);
    records.forEach((r, i) => {
      expect(r.offset).toBe(offsets[i]);
      expect(r.payload.equals(payloads[i] as Buffer)).toBe(true);
    });
  });

  it('reads from an offset, up to maxRecords and about maxBytes', async () => {
    const log = await openLog();
    const offsets: number[] = [];
    for (let i = 0; i < 6; i++) offsets.push(await log.append(payload(i)));
    expect(texts(await log.read(offsets[3] as number, 2))).toEqual([payload(3), payload(4)].map(String));
    expect(texts(await log.read(offsets[5] as number, 10))).toEqual([String(payload(5))]);
    expect(await log.read(log.durableEnd, 10)).toEqual([]);
    expect(await log.read(0, 10, 1)).toHaveLength(1);
    expect(await log.nextAfter(offsets[2] as number)).toBe(offsets[3]);
  });

  it('stores empty and binary payloads', async () => {
    const log = await openLog();
    const binary = Buffer.from([0, 255, 1, 254, 0, 0, 10, 13]);
    await log.append(Buffer.alloc(0));
    await log.append(binary);
    const records = await readAll(log);
    expect(records.map((r) => r.payload.length)).toEqual([0, binary.length]);
    expect(records[1]?.payload.equals(binary)).toBe(true);
  });

  it('rejects appends after close', async () => {
    const log = await openLog();
    await log.close();
    await expect(log.append(payload(1))).rejects.toThrow(/closed/);
  });

  it('wakes a waiter when a record arrives, and lets one time out', async () => {
    const log = await openLog();
    const end = log.durableEnd;
    const waited = log.waitFor(end, 60_000).then(() => log.durableEnd);
    await log.append(payload(1));
    expect(await waited).toBeGreaterThan(end);
    const before = log.durableEnd;
    await log.waitFor(before, 5);
    expect(log.durableEnd).toBe(before);
  });
});

describe('SegmentLog recovery', () => {
  async function fill(n: number): Promise<{ offsets: number[]; end: number }> {
    const log = await openLog();
    const offsets: number[] = [];
    for (let i = 0; i < n; i++) offsets.push(await log.append(payload(i)));
    const end = log.durableEnd;
    await log.close();
    return { offsets, end };
  }

  async function expectAppendsWorkAt(log: SegmentLog, at: number, before: string[]): Promise<void> {
    expect(await log.append(Buffer.from('after-recovery'))).toBe(at);
    expect(texts(await readAll(log))).toEqual([...before, 'after-recovery']);
    await log.close();
    const again = await openLog();
    expect(texts(await readAll(again))).toEqual([...before, 'after-recovery']);
  }

  it('recovers the same records and id after close and reopen', async () => {
    const { offsets, end } = await fill(5);
    const first = await openLog();
    const id = first.id;
    const records = await readAll(first);
    expect(records.map((r) => r.offset)).toEqual(offsets);
    expect(first.durableEnd).toBe(end);
    await first.close();
    const second = await openLog();
    expect(second.id).toBe(id);
    expect(texts(await readAll(second))).toEqual(texts(records));
  });

  it('gives a new directory a different id, and keeps the id non-empty', async () => {
    const log = await openLog();
    const other = mkdtempSync(join(tmpdir(), 'vantage-segment-log-'));
    try {
      const log2 = await openLog(undefined, other);
      expect(log.id).not.toBe('');
      expect(log2.id).not.toBe(log.id);
      await log2.close();
    } finally {
      rmSync(other, { recursive: true, force: true });
    }
  });

  it('cuts off appended garbage', async () => {
    const { end } = await fill(4);
    appendFileSync(lastSegmentPath(), Buffer.from('\x07\x00\x00\x00garbage that is not a frame'));
    const log = await openLog();
    expect(log.durableEnd).toBe(end);
    expect(statSync(lastSegmentPath()).size).toBe(end);
    await expectAppendsWorkAt(
      log,
      end,
      [0, 1, 2, 3].map((i) => String(payload(i))),
    );
  });

  it('cuts off a partial frame', async () => {
    const { end } = await fill(4);
    const frame = Buffer.alloc(FRAME_HEADER + 100, 0x61);
    frame.writeUInt32LE(100, 0);
    frame.writeUInt32LE(0xdeadbeef, 4);
    appendFileSync(lastSegmentPath(), frame.subarray(0, 40));
    const log = await openLog();
    expect(log.durableEnd).toBe(end);
    await expectAppendsWorkAt(
      log,
      end,
      [0, 1, 2, 3].map((i) => String(payload(i))),
    );
  });

  it('cuts off a torn header', async () => {
    const { end } = await fill(3);
    appendFileSync(lastSegmentPath(), Buffer.from([5, 0, 0]));
    const log = await openLog();
    expect(log.durableEnd).toBe(end);
    await expectAppendsWorkAt(
      log,
      end,
      [0, 1, 2].map((i) => String(payload(i))),
    );
  });

  it('cuts off a last record with a flipped byte', async () => {
    const { offsets } = await fill(4);
    const path = lastSegmentPath();
    const bytes = readFileSync(path);
    const last = offsets[3] as number;
    flipBits(bytes, last + FRAME_HEADER + 2, 0x01);
    writeFileSync(path, bytes);
    const log = await openLog();
    expect(log.durableEnd).toBe(last);
    await expectAppendsWorkAt(
      log,
      last,
      [0, 1, 2].map((i) => String(payload(i))),
    );
  });

  it('cuts off a last record whose length was flipped', async () => {
    const { offsets } = await fill(4);
    const path = lastSegmentPath();
    const bytes = readFileSync(path);
    const last = offsets[3] as number;
    flipBits(bytes, last + 1, 0x40); // length grows by 16 KiB, past the end of the file
    writeFileSync(path, bytes);
    const log = await openLog();
    expect(log.durableEnd).toBe(last);
    await expectAppendsWorkAt(
      log,
      last,
      [0, 1, 2].map((i) => String(payload(i))),
    );
  });

  // A crash can leave the file extended with zeros whose data never reached the disk (ext4
  // data=writeback, XFS). An all-zero header reads as a valid empty record (length 0, crc32 of
  // nothing is 0), so the zeros come back as phantom records the producer never appended.
  it('cuts off a zero-filled tail', async () => {
    const { end } = await fill(3);
    appendFileSync(lastSegmentPath(), Buffer.alloc(64));
    const log = await openLog();
    expect(log.durableEnd).toBe(end);
    expect(await readAll(log)).toHaveLength(3);
  });
});

describe('SegmentLog segments', () => {
  async function rolled(n: number): Promise<{ log: SegmentLog; offsets: number[] }> {
    const log = await openLog(100);
    const offsets: number[] = [];
    for (let i = 0; i < n; i++) offsets.push(await log.append(payload(i, 40)));
    return { log, offsets };
  }

  function bases(): number[] {
    return segmentFiles().map((n) => Number(n.slice(0, -'.log'.length)));
  }

  it('rolls to a new segment once one passes segmentBytes, reading across them', async () => {
    const { log, offsets } = await rolled(10);
    const b = bases();
    expect(b.length).toBeGreaterThan(2);
    expect(b[0]).toBe(0);
    // Each segment starts at a record boundary and holds at most one record past the limit.
    for (const base of b) expect(offsets).toContain(base);
    for (let i = 1; i < b.length; i++) expect((b[i] as number) - (b[i - 1] as number)).toBeLessThan(100 + 48);
    expect(texts(await readAll(log))).toEqual(Array.from({ length: 10 }, (_, i) => String(payload(i, 40))));
    await log.close();
    const again = await openLog(100);
    expect(again.durableEnd).toBe(log.durableEnd);
    expect(texts(await readAll(again))).toHaveLength(10);
    expect(await again.append(payload(10, 40))).toBe(log.durableEnd);
  });

  it('truncateBefore deletes only whole segments that end at or before the offset', async () => {
    const { log, offsets } = await rolled(10);
    const b = bases();
    const third = b[2] as number;
    const insideThird = offsets.find((o) => o > third) as number;
    await log.truncateBefore(insideThird);
    expect(bases()).toEqual(b.slice(2));
    expect(log.start).toBe(third);
    const records = await readAll(log);
    expect(records[0]?.offset).toBe(third);
    expect(records.map((r) => r.offset)).toEqual(offsets.filter((o) => o >= third));
    // An offset below the start resumes at the start.
    expect((await log.read(0, 1))[0]?.offset).toBe(third);
  });

  it('truncateBefore at a segment boundary deletes the segment before it', async () => {
    const { log } = await rolled(10);
    const b = bases();
    await log.truncateBefore(b[1] as number);
    expect(bases()).toEqual(b.slice(1));
  });

  it('truncateBefore never deletes the active segment', async () => {
    const { log } = await rolled(10);
    const b = bases();
    await log.truncateBefore(log.durableEnd + 1_000);
    expect(bases()).toEqual([b[b.length - 1]]);
    const end = log.durableEnd;
    expect(await log.append(payload(99))).toBe(end);
    await log.close();
    const again = await openLog(100);
    expect(again.start).toBe(b[b.length - 1]);
    expect(again.durableEnd).toBe(end + FRAME_HEADER + payload(99).length);
  });
});
