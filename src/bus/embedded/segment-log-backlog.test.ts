import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDED_WORKER_GROUP, EmbeddedConsumer, EmbeddedProducer } from './embedded-bus.js';
import { SegmentLog } from './segment-log.js';
import { SegmentLogBacklog } from './segment-log-backlog.js';

let dir: string;
let log: SegmentLog;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-log-backlog-'));
  log = await SegmentLog.open({ dir, segmentBytes: 64 });
});

afterEach(async () => {
  await log.close();
  rmSync(dir, { recursive: true, force: true });
});

async function publish(n: number): Promise<void> {
  const producer = new EmbeddedProducer(log);
  for (let i = 0; i < n; i++) await producer.publish(Buffer.alloc(40, i));
}

describe('SegmentLogBacklog', () => {
  it('reads nothing waiting on an empty log', async () => {
    const backlog = new SegmentLogBacklog(log, EMBEDDED_WORKER_GROUP);
    expect(backlog.unit).toBe('bytes');
    expect(await backlog.positions()).toEqual([{ partition: 0, committed: 0, end: 0 }]);
  });

  it("counts from the log's start until the worker commits, then from its commit", async () => {
    await publish(3);
    const backlog = new SegmentLogBacklog(log, EMBEDDED_WORKER_GROUP);
    // Three records of 8 + 40 bytes, none committed.
    expect(await backlog.positions()).toEqual([{ partition: 0, committed: 0, end: 144 }]);

    const consumer = await EmbeddedConsumer.open(log, EMBEDDED_WORKER_GROUP);
    const [first, second] = await consumer.poll(2, 0);
    await consumer.commit(0, (first as { offset: number }).offset);
    expect(await backlog.positions()).toEqual([{ partition: 0, committed: 48, end: 144 }]);
    await consumer.commit(0, (second as { offset: number }).offset);
    expect(await backlog.positions()).toEqual([{ partition: 0, committed: 96, end: 144 }]);

    await publish(1);
    const rest = await consumer.poll(10, 0);
    await consumer.commit(0, (rest[rest.length - 1] as { offset: number }).offset);
    expect(await backlog.positions()).toEqual([{ partition: 0, committed: 192, end: 192 }]);
  });

  it("reads another group's position, not the worker's", async () => {
    await publish(2);
    const consumer = await EmbeddedConsumer.open(log, EMBEDDED_WORKER_GROUP);
    const messages = await consumer.poll(10, 0);
    await consumer.commit(0, (messages[1] as { offset: number }).offset);
    expect(await new SegmentLogBacklog(log, 'other').positions()).toEqual([
      { partition: 0, committed: 0, end: 96 },
    ]);
  });
});
