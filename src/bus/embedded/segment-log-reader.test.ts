import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedConsumer, EmbeddedProducer } from './embedded-bus.js';
import { SegmentLog } from './segment-log.js';
import { SegmentLogReader } from './segment-log-reader.js';

let dir: string;
let log: SegmentLog;
const readers: SegmentLogReader[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-log-reader-'));
  log = await SegmentLog.open({ dir, segmentBytes: 64 });
});

afterEach(async () => {
  for (const r of readers.splice(0)) r.close();
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A reader as another thread holds it: told of the durable end by messages, not by the writer. */
async function openReader(): Promise<SegmentLogReader> {
  const reader = new SegmentLogReader(dir, log.durableEnd);
  await reader.refresh();
  readers.push(reader);
  return reader;
}

async function appendAll(texts: readonly string[]): Promise<void> {
  for (const t of texts) await log.append(Buffer.from(t));
}

const names = (n: number): string[] => Array.from({ length: n }, (_, i) => `payload-${i}-of-the-log`);

describe('SegmentLogReader', () => {
  it('reads what the writer made durable, across segments, never past the end it was told', async () => {
    await appendAll(names(6));
    const reader = await openReader();
    expect(reader.start).toBe(0);
    expect((await reader.read(0, 100)).map((r) => r.payload.toString())).toEqual(names(6));
    await appendAll(['unannounced']);
    expect(await reader.read(0, 100)).toHaveLength(6);
    expect(await reader.read(reader.durableEnd, 100)).toEqual([]);
    reader.advance(log.durableEnd);
    const all = await reader.read(0, 100);
    expect(all.map((r) => r.payload.toString())).toEqual([...names(6), 'unannounced']);
  });

  it('ignores an end older than the one it knows', async () => {
    await appendAll(names(2));
    const reader = await openReader();
    const end = reader.durableEnd;
    reader.advance(end - 1);
    expect(reader.durableEnd).toBe(end);
  });

  it('wakes waiters on advance and on close, and lets them time out', async () => {
    const reader = await openReader();
    const woken = reader.waitFor(reader.durableEnd, 60_000).then(() => 'advanced');
    await appendAll(['x']);
    reader.advance(log.durableEnd);
    await expect(woken).resolves.toBe('advanced');

    const closing = reader.waitFor(reader.durableEnd, 60_000).then(() => 'closed');
    reader.close();
    await expect(closing).resolves.toBe('closed');

    const other = await openReader();
    await expect(other.waitFor(other.durableEnd, 5).then(() => 'timed out')).resolves.toBe('timed out');
  });

  it('serves an EmbeddedConsumer fed by onDurable, which resumes after its commit', async () => {
    const reader = await openReader();
    log.onDurable((end) => reader.advance(end));
    const consumer = await EmbeddedConsumer.open(reader, 'worker');
    const polled = consumer.poll(100, 60_000);
    const producer = new EmbeddedProducer(log);
    for (const t of names(8)) await producer.publish(Buffer.from(t));
    const first = await polled;
    expect(first.length).toBeGreaterThan(0);
    const rest = await consumer.poll(100, 0);
    const messages = [...first, ...rest];
    expect(messages.map((m) => m.payload.toString())).toEqual(names(8));

    const segmentsBefore = readdirSync(dir).filter((n) => n.endsWith('.log')).length;
    await consumer.commit(0, messages[4]?.offset as number);
    expect(readdirSync(dir).filter((n) => n.endsWith('.log')).length).toBeLessThan(segmentsBefore);

    const second = await openReader();
    const again = await EmbeddedConsumer.open(second, 'worker');
    expect((await again.poll(100, 0)).map((m) => m.payload.toString())).toEqual(names(8).slice(5));
  });
});

describe('SegmentLogReader racing the writer', () => {
  it('does not read past a segment when the writer rolls over while it lists the segments', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vantage-log-race-'));
    try {
      const log = await SegmentLog.open({ dir, segmentBytes: 256 });
      const payload = (i: number): Buffer => Buffer.from(`record-${i}-`.padEnd(100, 'x'));
      for (let i = 0; i < 2; i++) await log.append(payload(i));
      const reader = new SegmentLogReader(dir, log.durableEnd);
      const list = reader.refresh.bind(reader);
      let raced = false;
      // Right after the reader lists the segments, the writer rolls to a new one and the reader
      // learns of the new durable end: the interleaving two threads can produce.
      reader.refresh = async () => {
        await list();
        if (raced) return;
        raced = true;
        for (let i = 2; i < 8; i++) await log.append(payload(i));
        reader.advance(log.durableEnd);
      };
      const first = await reader.read(0, 100);
      expect(first.map((r) => r.payload.toString())).toEqual([0, 1].map((i) => payload(i).toString()));
      const rest = await reader.read((first[first.length - 1] as { next: number }).next, 100);
      expect(rest.map((r) => r.payload.toString())).toEqual(
        [2, 3, 4, 5, 6, 7].map((i) => payload(i).toString()),
      );
      await log.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
