import type { PartitionPosition } from '../../core/index.js';
import type { BusBacklog } from '../bus-backlog.js';
import { committedPositionMeta } from './embedded-bus.js';
import type { SegmentLog } from './segment-log.js';

/**
 * The embedded log's backlog, read in the thread that writes the log: its durable end, and the
 * position the worker's consumer group last committed (the file `EmbeddedConsumer.commit` saves,
 * which the worker thread writes only after the store write it covers succeeded). Bytes.
 */
export class SegmentLogBacklog implements BusBacklog {
  readonly unit = 'bytes';

  constructor(
    private readonly log: SegmentLog,
    private readonly group: string,
  ) {}

  async positions(): Promise<PartitionPosition[]> {
    // The end first: a commit read after it can only be further on, never past the end we report.
    const end = this.log.durableEnd;
    const saved = Number((await this.log.readMeta(committedPositionMeta(this.group)))?.trim());
    // Nothing committed yet: the consumer starts at the oldest record still on disk.
    const committed = Number.isSafeInteger(saved) && saved >= 0 ? saved : this.log.start;
    return [{ partition: 0, committed: Math.min(committed, end), end }];
  }

  async close(): Promise<void> {
    // The log belongs to its owner, who closes it.
  }
}
