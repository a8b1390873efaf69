import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedConsumer } from './embedded-bus.js';
import { SegmentLog } from './segment-log.js';
import { SegmentLogTail } from './segment-log-tail.js';

let dir: string;
let log: SegmentLog;
let tail: SegmentLogTail | undefined;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-log-tail-'));
  log = await SegmentLog.open({ dir, segmentBytes: 64 });
});

afterEach(async () => {
  await tail?.close();
  tail = undefined;
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Collects what the tail hands out; `until(n)` resolves once n payloads came. */
function collector() {
  const got: string[] = [];
  let wake: () => void = () => undefined;
  return {
    got,
    on: (payloads: readonly Buffer[]) => {
      got.push(...payloads.map((p) => p.toString()));
      wake();
    },
    until: (n: number) =>
      new Promise<void>((resolve) => {
        const check = (): void => (got.length >= n ? resolve() : undefined);
        wake = check;
        check();
      }),
  };
}

describe('SegmentLogTail', () => {
  it('hands out what is appended after start, across segments, and nothing from before', async () => {
    for (const t of ['old-1', 'old-2']) await log.append(Buffer.from(t));
    const c = collector();
    tail = new SegmentLogTail(log);
    await tail.start(c.on);
    const fresh = Array.from({ length: 12 }, (_, i) => `new-${i}-with-some-length-to-roll-segments`);
    for (const t of fresh) await log.append(Buffer.from(t));
    await c.until(fresh.length);
    expect(c.got).toEqual(fresh);
  });

  it('commits nothing: a consumer group still reads every record', async () => {
    tail = new SegmentLogTail(log);
    const c = collector();
    await tail.start(c.on);
    for (const t of ['a', 'b', 'c']) await log.append(Buffer.from(t));
    await c.until(3);
    const worker = await EmbeddedConsumer.open(log, 'worker');
    const read = await worker.poll(10, 100);
    expect(read.map((m) => m.payload.toString())).toEqual(['a', 'b', 'c']);
  });

  it("keeps tailing after the worker's commits delete the segments it read", async () => {
    tail = new SegmentLogTail(log);
    const c = collector();
    await tail.start(c.on);
    await log.append(Buffer.from('first-record-of-the-test'));
    await c.until(1);
    const consumer = await EmbeddedConsumer.open(log, 'worker');
    for (let i = 0; i < 6; i++) await log.append(Buffer.from(`filler-${i}-to-roll-the-segments`));
    const all = await consumer.poll(100, 100);
    await consumer.commit(0, (all[all.length - 1] as { offset: number }).offset);
    await log.append(Buffer.from('after-truncation'));
    await c.until(8);
    expect(c.got[c.got.length - 1]).toBe('after-truncation');
  });

  it('stops handing out after close', async () => {
    tail = new SegmentLogTail(log);
    const c = collector();
    await tail.start(c.on);
    await tail.close();
    await log.append(Buffer.from('late'));
    await new Promise((r) => setTimeout(r, 50));
    expect(c.got).toEqual([]);
  });
});
