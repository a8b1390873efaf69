import { describe, it, expect, beforeEach, afterEach } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BusMessage } from '../bus.js';
import { EmbeddedConsumer, EmbeddedProducer } from './embedded-bus.js';
import { SegmentLog } from './segment-log.js';

let dir: string;
const opened: SegmentLog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-embedded-bus-'));
});

afterEach(async () => {
  for (const log of opened.splice(0)) await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function openLog(segmentBytes?: number): Promise<SegmentLog> {
  const log = await SegmentLog.open({ dir, ...(segmentBytes === undefined ? {} : { segmentBytes }) });
  opened.push(log);
  return log;
}

async function publishAll(log: SegmentLog, texts: readonly string[]): Promise<void> {
  const producer = new EmbeddedProducer(log);
  for (const t of texts) await producer.publish(Buffer.from(t));
  await producer.close();
}

function texts(messages: readonly BusMessage[]): string[] {
  return messages.map((m) => m.payload.toString());
}

const FIVE = ['m1', 'm2', 'm3', 'm4', 'm5'];

describe('EmbeddedProducer + EmbeddedConsumer', () => {
  it('delivers published messages in order on partition 0', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    const messages = await consumer.poll(10, 0);
    expect(texts(messages)).toEqual(FIVE);
    expect(messages.every((m) => m.partition === 0)).toBe(true);
    const offsets = messages.map((m) => m.offset);
    expect([...offsets].sort((a, b) => a - b)).toEqual(offsets);
    expect(new Set(offsets).size).toBe(5);
  });

  it('hands out at most maxMessages and continues after them', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    expect(texts(await consumer.poll(2, 0))).toEqual(['m1', 'm2']);
    expect(texts(await consumer.poll(2, 0))).toEqual(['m3', 'm4']);
    expect(texts(await consumer.poll(2, 0))).toEqual(['m5']);
    expect(await consumer.poll(2, 0)).toEqual([]);
  });

  it('returns [] after waiting when nothing arrives', async () => {
    const log = await openLog();
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    expect(await consumer.poll(10, 20)).toEqual([]);
  });

  it('wakes a waiting poll when a message is published', async () => {
    const log = await openLog();
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    const polled = consumer.poll(10, 60_000);
    await publishAll(log, ['late']);
    expect(texts(await polled)).toEqual(['late']);
  });

  it('resumes after the committed record when reopened', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    const messages = await consumer.poll(10, 0);
    await consumer.commit(0, (messages[1] as BusMessage).offset);
    await consumer.close();
    await log.close();

    const reopened = await openLog();
    const again = await EmbeddedConsumer.open(reopened, 'worker');
    expect(texts(await again.poll(10, 0))).toEqual(['m3', 'm4', 'm5']);
  });

  it('ignores a commit older than the last one', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    const messages = await consumer.poll(10, 0);
    await consumer.commit(0, (messages[3] as BusMessage).offset);
    await consumer.commit(0, (messages[0] as BusMessage).offset);
    const again = await EmbeddedConsumer.open(log, 'worker');
    expect(texts(await again.poll(10, 0))).toEqual(['m5']);
  });

  it('keeps a position per consumer group', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const a = await EmbeddedConsumer.open(log, 'a');
    const messages = await a.poll(10, 0);
    await a.commit(0, (messages[4] as BusMessage).offset);
    const b = await EmbeddedConsumer.open(log, 'b');
    expect(texts(await b.poll(10, 0))).toEqual(FIVE);
    expect(await (await EmbeddedConsumer.open(log, 'a')).poll(10, 0)).toEqual([]);
  });

  it('seekAfter resumes after the given record', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const offsets = (await (await EmbeddedConsumer.open(log, 'probe')).poll(10, 0)).map((m) => m.offset);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    await consumer.seekAfter(0, offsets[2] as number);
    expect(texts(await consumer.poll(10, 0))).toEqual(['m4', 'm5']);
  });

  it('seekAfter the last record waits for new messages', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const offsets = (await (await EmbeddedConsumer.open(log, 'probe')).poll(10, 0)).map((m) => m.offset);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    await consumer.seekAfter(0, offsets[4] as number);
    expect(await consumer.poll(10, 0)).toEqual([]);
    await publishAll(log, ['m6']);
    expect(texts(await consumer.poll(10, 0))).toEqual(['m6']);
  });

  it('seekAfter an offset beyond the log (a store ahead of a cut log) skips to its end', async () => {
    const log = await openLog();
    await publishAll(log, FIVE);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    await consumer.seekAfter(0, log.durableEnd + 10_000);
    expect(await consumer.poll(10, 0)).toEqual([]);
    await publishAll(log, ['m6']);
    expect(texts(await consumer.poll(10, 0))).toEqual(['m6']);
  });

  it('commit lets go of whole consumed segments only', async () => {
    const log = await openLog(64);
    const many = Array.from(
      { length: 12 },
      (_, i) => `message-number-${String(i).padStart(2, '0')}-xxxxxxxxxx`,
    );
    await publishAll(log, many);
    const segmentsBefore = readdirSync(dir).filter((n) => n.endsWith('.log')).length;
    expect(segmentsBefore).toBeGreaterThan(3);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    const messages = await consumer.poll(100, 0);
    await consumer.commit(0, (messages[6] as BusMessage).offset);
    const segmentsAfter = readdirSync(dir).filter((n) => n.endsWith('.log')).length;
    expect(segmentsAfter).toBeLessThan(segmentsBefore);
    expect(log.start).toBeLessThanOrEqual((messages[7] as BusMessage).offset);
    expect(log.start).toBeGreaterThan(0);
    // Everything after the committed record is still there, for this consumer or a reopened one.
    await log.close();
    const reopened = await openLog(64);
    const again = await EmbeddedConsumer.open(reopened, 'worker');
    expect(texts(await again.poll(100, 0))).toEqual(many.slice(7));
  });

  it('a new consumer starts at the first record still on disk', async () => {
    const log = await openLog(64);
    const many = Array.from(
      { length: 12 },
      (_, i) => `message-number-${String(i).padStart(2, '0')}-xxxxxxxxxx`,
    );
    await publishAll(log, many);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    const messages = await consumer.poll(100, 0);
    await consumer.commit(0, (messages[6] as BusMessage).offset);
    const fresh = await EmbeddedConsumer.open(log, 'other');
    const seen = texts(await fresh.poll(100, 0));
    expect(seen[0]).not.toBe(many[0]);
    expect(seen).toEqual(many.slice(many.length - seen.length));
  });
});
