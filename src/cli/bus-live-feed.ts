import { decodeAggregateStats, earliestStart } from '../core/index.js';
import type { LiveFeed, LiveFeedSink } from '../api/index.js';
import type { BusTail } from '../bus/index.js';

/**
 * The query API's live feed from a tail of the bus: each message decoded once, whatever the
 * number of streams, and not at all while nobody subscribes. `openTail` makes a fresh tail for
 * each start, so a start that failed (Kafka unreachable) can simply be tried again.
 */
export class BusLiveFeed implements LiveFeed {
  private tail: BusTail | undefined;

  /**
   * `onArrival(from)`, when given, hears of every message, streams or not, with the earliest
   * minute it holds (read without decoding it): the query cache's news of data on its way
   * (DataArrivals, src/api/cache-freshness.ts).
   */
  constructor(
    private readonly openTail: () => Promise<BusTail>,
    private readonly onArrival?: (from: number) => void,
  ) {}

  async start(sink: LiveFeedSink): Promise<void> {
    if (this.tail) throw new Error('the live feed is already started');
    const tail = await this.openTail();
    try {
      await tail.start((payloads) => {
        if (this.onArrival) for (const payload of payloads) this.announce(payload);
        if (!sink.listening) return;
        for (const payload of payloads) {
          let batch;
          try {
            batch = decodeAggregateStats(payload);
          } catch (err) {
            sink.skipped(err);
            continue;
          }
          sink.publish(batch);
        }
      });
    } catch (err) {
      await tail.close().catch(() => undefined);
      throw err;
    }
    this.tail = tail;
  }

  private announce(payload: Buffer): void {
    let from: number | undefined;
    try {
      from = earliestStart(payload);
    } catch {
      return; // the stream's decoder counts it as skipped
    }
    if (from !== undefined) this.onArrival?.(from);
  }

  async close(): Promise<void> {
    const tail = this.tail;
    this.tail = undefined;
    await tail?.close();
  }
}
