import { decodeAggregateStats } from '../core/index.js';
import type { LiveFeed, LiveFeedSink } from '../api/index.js';
import type { BusTail } from '../bus/index.js';

/**
 * The query API's live feed from a tail of the bus: each message decoded once, whatever the
 * number of streams, and not at all while nobody subscribes. `openTail` makes a fresh tail for
 * each start, so a start that failed (Kafka unreachable) can simply be tried again.
 */
export class BusLiveFeed implements LiveFeed {
  private tail: BusTail | undefined;

  constructor(private readonly openTail: () => Promise<BusTail>) {}

  async start(sink: LiveFeedSink): Promise<void> {
    if (this.tail) throw new Error('the live feed is already started');
    const tail = await this.openTail();
    try {
      await tail.start((payloads) => {
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

  async close(): Promise<void> {
    const tail = this.tail;
    this.tail = undefined;
    await tail?.close();
  }
}
