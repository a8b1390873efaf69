import type { PartitionPosition } from '../../core/index.js';
import type { BusBacklog } from '../bus-backlog.js';
import { resolveKafkaBusOptions } from './kafka-options.js';
import type { KafkaBusOptions, ResolvedKafkaBusOptions } from './kafka-options.js';
import { callback, kafkaLib } from './rdkafka.js';

type Admin = ReturnType<typeof kafkaLib.AdminClient.create>;
type OffsetSpec = Parameters<Admin['listOffsets']>[0][number]['offset'];

function offsetSpecs(): { readonly EARLIEST: OffsetSpec; readonly LATEST: OffsetSpec } {
  return kafkaLib.AdminClient.OffsetSpec;
}

/**
 * The workers' backlog on the topic, through Kafka's admin API: the consumer group's committed
 * offsets against the partitions' high watermarks. It never joins the group (a member would take
 * partitions from the workers) and commits nothing. A partition the group never committed counts
 * from its low watermark, where a worker would start (auto.offset.reset = earliest), so that data
 * the topic's retention already deleted is not counted as waiting. Messages.
 */
export class KafkaBacklog implements BusBacklog {
  readonly unit = 'messages';

  private constructor(
    private readonly admin: Admin,
    private readonly bus: ResolvedKafkaBusOptions,
  ) {}

  /** Opens the admin client; it reaches the brokers at its first request. */
  static open(options: KafkaBusOptions): KafkaBacklog {
    const bus = resolveKafkaBusOptions(options);
    const admin = kafkaLib.AdminClient.create({
      'bootstrap.servers': bus.brokers.join(','),
      'client.id': `${bus.clientId}-backlog`,
    });
    return new KafkaBacklog(admin, bus);
  }

  async positions(): Promise<PartitionPosition[]> {
    const { topic, groupId, requestTimeoutMs: timeout } = this.bus;
    const partitions = await this.partitions();
    if (partitions.length === 0) return [];
    const [groups, ends] = await Promise.all([
      callback<{ partitions: { partition: number; offset: number; error?: unknown }[]; error?: unknown }[]>(
        `reading the committed offsets of group ${groupId}`,
        (cb) =>
          this.admin.listConsumerGroupOffsets(
            [{ groupId, partitions: partitions.map((partition) => ({ topic, partition })) }],
            { timeout },
            cb,
          ),
      ),
      this.offsets(partitions, offsetSpecs().LATEST),
    ]);
    const group = groups[0];
    if (group?.error)
      throw new Error(`reading the committed offsets of group ${groupId}`, { cause: group.error });
    const committed = new Map<number, number>();
    for (const p of group?.partitions ?? []) {
      // A negative offset is "none committed"; a partition with an error is unknown, not zero.
      if (p.error)
        throw new Error(`reading the committed offset of ${topic}[${p.partition}]`, { cause: p.error });
      if (p.offset >= 0) committed.set(p.partition, p.offset);
    }
    const uncommitted = partitions.filter((p) => !committed.has(p));
    const starts =
      uncommitted.length > 0 ? await this.offsets(uncommitted, offsetSpecs().EARLIEST) : new Map();
    return partitions.map((partition) => {
      const end = ends.get(partition) ?? 0;
      return {
        partition,
        committed: Math.min(end, committed.get(partition) ?? starts.get(partition) ?? 0),
        end,
      };
    });
  }

  async close(): Promise<void> {
    this.admin.disconnect();
  }

  private async partitions(): Promise<number[]> {
    const { topic, requestTimeoutMs: timeout } = this.bus;
    const [description] = await callback<{ partitions: { partition: number }[]; error?: unknown }[]>(
      `describing ${topic}`,
      (cb) => this.admin.describeTopics([topic], { timeout }, cb),
    );
    if (description?.error) throw new Error(`describing ${topic}`, { cause: description.error });
    return (description?.partitions ?? []).map((p) => p.partition);
  }

  private async offsets(partitions: readonly number[], spec: OffsetSpec): Promise<Map<number, number>> {
    const { topic, requestTimeoutMs: timeout } = this.bus;
    const result = await callback<{ partition: number; offset: number; error?: unknown }[]>(
      `reading the offsets of ${topic}`,
      (cb) =>
        this.admin.listOffsets(
          partitions.map((partition) => ({ topic, partition, offset: spec })),
          { timeout },
          cb,
        ),
    );
    const out = new Map<number, number>();
    for (const r of result) {
      if (r.error) throw new Error(`reading the offsets of ${topic}[${r.partition}]`, { cause: r.error });
      out.set(r.partition, r.offset);
    }
    return out;
  }
}
