import { randomBytes } from 'node:crypto';

/**
 * Keys of the messages one producer publishes: `<producer id>-<sequence>`, hashed by the
 * partitioner (murmur2, as the Java client does).
 *
 * Why this key: every flush of every collector lands on a partition of its own, spread evenly, so
 * N partitions feed N workers even with one collector. A key per collector would pin each
 * collector's load to one partition (one worker), and no key would let librdkafka's sticky
 * partitioner send bursts of flushes to one partition. Partial aggregates need no series on a
 * fixed partition: the worker merges partial aggregates of a series-minute from any partition, and
 * the store merges what different workers write. The key also says which producer and which flush a
 * message came from, for reading the topic by hand. Running totals of cumulative series are the
 * exception: one worker must see each such series in order, so the collector publishes them under
 * a key per series shard instead (src/ingest/batch-publisher.ts, cumulativeShardKey).
 */
export class MessageKeys {
  private sequence = 0;

  constructor(readonly producerId: string = randomBytes(6).toString('hex')) {
    if (producerId.length === 0) throw new Error('producer id must not be empty');
  }

  next(): string {
    this.sequence += 1;
    return `${this.producerId}-${this.sequence}`;
  }
}
