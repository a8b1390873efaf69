import type { BusConsumer, BusMessage, BusProducer } from '../bus.js';
import type { SegmentLog } from './segment-log.js';
import type { SegmentLogReader } from './segment-log-reader.js';

/** What the consumer needs of the log: the writer itself in one thread, a reader in another. */
export type LogView = Pick<
  SegmentLogReader,
  'start' | 'durableEnd' | 'waitFor' | 'read' | 'nextAfter' | 'truncateBefore' | 'readMeta' | 'writeMeta'
>;

/** The embedded bus has one partition: the log. */
const PARTITION = 0;

/** The consumer group of the embedded worker: one, since one process runs it. */
export const EMBEDDED_WORKER_GROUP = 'worker';

/** The log's metadata file holding a consumer group's committed position (the offset after it). */
export function committedPositionMeta(group: string): string {
  return `consumer-${group}.offset`;
}

export class EmbeddedProducer implements BusProducer {
  constructor(private readonly log: SegmentLog) {}

  async publish(payload: Buffer): Promise<void> {
    await this.log.append(payload);
  }

  async close(): Promise<void> {
    // The log is shared with the consumer; its owner closes it.
  }
}

/**
 * Reads the log from the group's committed position. Offsets handed out are record offsets; a
 * commit of a record's offset means everything before that record's end is processed.
 */
export class EmbeddedConsumer implements BusConsumer {
  private position = 0;
  private lastCommitted = -1;

  private constructor(
    private readonly log: LogView,
    private readonly group: string,
  ) {}

  static async open(log: LogView, group: string): Promise<EmbeddedConsumer> {
    const consumer = new EmbeddedConsumer(log, group);
    const saved = await log.readMeta(consumer.metaName());
    consumer.position = saved === undefined ? log.start : Number(saved);
    return consumer;
  }

  /** Bytes of the log after the records handed out so far. */
  get backlogBytes(): number {
    return Math.max(0, this.log.durableEnd - this.position);
  }

  async poll(maxMessages: number, maxWaitMs: number): Promise<BusMessage[]> {
    if (this.log.durableEnd <= this.position) await this.log.waitFor(this.position, maxWaitMs);
    const records = await this.log.read(this.position, maxMessages);
    const last = records[records.length - 1];
    if (last) this.position = last.next;
    return records.map((r) => ({ partition: PARTITION, offset: r.offset, payload: r.payload }));
  }

  async commit(_partition: number, offset: number): Promise<void> {
    if (offset <= this.lastCommitted) return;
    this.lastCommitted = offset;
    const next = await this.log.nextAfter(offset);
    // The store keeps the authoritative position in the same transaction as the data, so a stale
    // file only means a re-read; it is still saved durably (once per worker batch, not per
    // record) so that it is on disk before the segments it lets go are deleted.
    await this.log.writeMeta(this.metaName(), String(next));
    await this.log.truncateBefore(next);
  }

  async seekAfter(_partition: number, offset: number): Promise<void> {
    if (offset < this.log.start || offset >= this.log.durableEnd) {
      // Already discarded, or (store ahead of a log that was cut) nothing to skip.
      this.position = Math.max(this.position, Math.min(offset + 1, this.log.durableEnd));
      return;
    }
    this.position = Math.max(this.position, await this.log.nextAfter(offset));
  }

  async close(): Promise<void> {}

  private metaName(): string {
    return committedPositionMeta(this.group);
  }
}
