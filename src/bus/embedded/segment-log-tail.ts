import type { BusTail } from '../bus-tail.js';
import type { SegmentLog } from './segment-log.js';
import { SegmentLogReader } from './segment-log-reader.js';

export interface SegmentLogTailOptions {
  /** A read failed (a segment deleted under the tail); the tail skips to the durable end. */
  readonly onError?: (err: unknown) => void;
  /** Most records handed out at once. Default 1,000. */
  readonly maxRecords?: number;
}

/** How long one wait for new records lasts before the loop checks whether it was closed. */
const IDLE_WAIT_MS = 1_000;

/**
 * Tails the embedded log from its durable end at `start()`, with a SegmentLogReader of its own:
 * the log's `onDurable` moves the reader's end, so a record is handed out once its append is on
 * disk, which is also when the collector answers 202. It saves no position and deletes nothing;
 * the worker's commits decide what the log keeps.
 */
export class SegmentLogTail implements BusTail {
  private readonly maxRecords: number;
  private reader: SegmentLogReader | undefined;
  private loop: Promise<void> | undefined;
  private closed = false;

  constructor(
    private readonly log: SegmentLog,
    private readonly options: SegmentLogTailOptions = {},
  ) {
    this.maxRecords = options.maxRecords ?? 1_000;
  }

  async start(onPayloads: (payloads: readonly Buffer[]) => void): Promise<void> {
    if (this.reader) throw new Error('the log tail is already started');
    // Both in one turn of the event loop: no durable end can be announced in between.
    const reader = new SegmentLogReader(this.log.directory, this.log.durableEnd);
    this.log.onDurable((end) => reader.advance(end));
    this.reader = reader;
    this.loop = this.run(reader, onPayloads);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.reader?.close();
    await this.loop;
  }

  private async run(
    reader: SegmentLogReader,
    onPayloads: (payloads: readonly Buffer[]) => void,
  ): Promise<void> {
    let position = reader.durableEnd;
    while (!this.closed) {
      await reader.waitFor(position, IDLE_WAIT_MS);
      if (this.closed) break;
      try {
        const records = await reader.read(position, this.maxRecords);
        const last = records[records.length - 1];
        if (last === undefined) continue;
        position = last.next;
        onPayloads(records.map((r) => r.payload));
      } catch (err) {
        // The worker deleted the segment between listing and reading: what it held is gone, and
        // a live view only wants what comes next.
        this.options.onError?.(err);
        position = reader.durableEnd;
      }
    }
  }
}
