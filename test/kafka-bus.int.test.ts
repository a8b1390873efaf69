/**
 * The Kafka bus against the real broker of `scripts/services.sh` (Kafka 4.4, KRaft):
 *   eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run --project integration test/kafka-bus.int.test.ts
 * Each run uses topics and groups of its own. One test stops and restarts the broker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeAggregateBatch, encodeAggregateBatch, MinuteAggregator } from '../src/core/index.js';
import { ensureTopic, KafkaConsumer, KafkaProducer } from '../src/bus/index.js';
import type { BusMessage, KafkaBusOptions } from '../src/bus/index.js';
import { murmur2Partition } from './support/kafka-partitioner.js';
import { deleteTopics, drainFor, kafkaBrokers, pollUntil, services, uniqueName } from './support/kafka.js';

const PARTITIONS = 4;
let brokers: string[];
const created: string[] = [];

beforeAll(() => {
  brokers = kafkaBrokers();
});

afterAll(async () => {
  await deleteTopics(brokers, created);
});

/** A fresh topic of PARTITIONS partitions, deleted after the run. */
async function freshTopic(tag: string): Promise<string> {
  const topic = uniqueName(`vantage-test-${tag}`);
  expect(await ensureTopic(brokers, topic, PARTITIONS)).toBe(PARTITIONS);
  created.push(topic);
  return topic;
}

/** A topic of its own, with `count` messages `<tag>-<i>` published on it. */
async function topicWith(
  tag: string,
  count: number,
): Promise<{ options: KafkaBusOptions; payloads: string[] }> {
  const topic = await freshTopic(tag);
  const options: KafkaBusOptions = { brokers, topic, groupId: uniqueName('g'), clientId: 'vantage-test' };
  return { options, payloads: count > 0 ? await publish(options, tag, count) : [] };
}

/**
 * Publishes `<tag>-<i>` for i below `count`, all in flight at once, from a producer named `<tag>`:
 * the key of `<tag>-<i>` is `<tag>-<i + 1>`.
 */
async function publish(options: KafkaBusOptions, tag: string, count: number): Promise<string[]> {
  const producer = await KafkaProducer.connect(options, tag);
  const payloads = Array.from({ length: count }, (_, i) => `${tag}-${i}`);
  try {
    await Promise.all(payloads.map((p) => producer.publish(Buffer.from(p))));
  } finally {
    await producer.close();
  }
  return payloads;
}

function texts(messages: readonly BusMessage[]): string[] {
  return messages.map((m) => m.payload.toString()).sort();
}

function byPartition(messages: readonly BusMessage[]): Map<number, BusMessage[]> {
  const out = new Map<number, BusMessage[]>();
  for (const m of messages) out.set(m.partition, [...(out.get(m.partition) ?? []), m]);
  return out;
}

describe('Kafka bus', () => {
  it('delivers every published payload exactly once, spread over the partitions, in offset order', async () => {
    const { options, payloads } = await topicWith('exact', 60);
    const consumer = await KafkaConsumer.connect(options);
    try {
      const got = await pollUntil(consumer, payloads.length);
      expect(texts(got)).toEqual([...payloads].sort());
      expect(await drainFor(consumer, 1_000)).toEqual([]);

      const parts = byPartition(got);
      expect([...parts.keys()].sort()).toEqual([0, 1, 2, 3]);
      // Partitioned by murmur2 of the key, as the Java client does.
      for (const m of got) {
        const i = Number(m.payload.toString().split('-')[1]);
        expect(m.partition).toBe(murmur2Partition(`exact-${i + 1}`, PARTITIONS));
      }
      for (const list of parts.values()) {
        // Offsets of a fresh partition run 0, 1, 2, ... in the order handed out.
        expect(list.map((m) => m.offset)).toEqual(list.map((_, i) => i));
      }
      const lag = await consumer.lag();
      expect([...lag.values()]).toEqual([0, 0, 0, 0]);
    } finally {
      await consumer.close();
    }
  });

  it('carries an encoded aggregate batch unchanged', async () => {
    const topic = await freshTopic('codec');
    const options: KafkaBusOptions = { brokers, topic, groupId: uniqueName('g') };
    const aggregator = new MinuteAggregator();
    for (let i = 0; i < 1_000; i++) {
      aggregator.add({
        service: 'checkout',
        name: 'latency_ms',
        value: i,
        timestamp: 1_700_000_000_000 + i,
        type: 'gauge',
        tags: { host: `h${i % 10}` },
      });
    }
    const { aggregates, samples } = aggregator.drain();
    const payload = encodeAggregateBatch({ samples, createdAt: 1_700_000_100_000, aggregates });
    const producer = await KafkaProducer.connect(options);
    await producer.publish(payload);
    await producer.close();
    const consumer = await KafkaConsumer.connect(options);
    try {
      const [message] = await pollUntil(consumer, 1);
      expect(message?.payload.equals(payload)).toBe(true);
      expect(decodeAggregateBatch(message?.payload ?? Buffer.alloc(0)).samples).toBe(1_000);
    } finally {
      await consumer.close();
    }
  });

  it('resumes after the committed offsets when a consumer of the group restarts', async () => {
    const { options, payloads } = await topicWith('commit', 40);
    const first = await KafkaConsumer.connect(options);
    const processed: BusMessage[] = [];
    try {
      const got = await pollUntil(first, payloads.length);
      expect(got).toHaveLength(payloads.length);
      // Process (and commit) the first two messages of each partition only.
      for (const list of byPartition(got).values()) {
        const done = list.slice(0, 2);
        processed.push(...done);
        const last = done[done.length - 1];
        if (last) await first.commit(last.partition, last.offset);
      }
    } finally {
      await first.close();
    }
    const second = await KafkaConsumer.connect(options);
    try {
      const rest = await pollUntil(second, payloads.length - processed.length);
      expect(texts(rest)).toEqual(payloads.filter((p) => !texts(processed).includes(p)).sort());
      for (const list of byPartition(rest).values()) expect(list[0]?.offset).toBe(2);
      expect(await drainFor(second, 1_000)).toEqual([]);
    } finally {
      await second.close();
    }
  });

  it('starts after a seekAfter position ahead of the commit (before the first poll, or from onAssigned)', async () => {
    const { options, payloads } = await topicWith('seek', 40);
    const counts = new Map<number, number>();
    {
      const reader = await KafkaConsumer.connect(options);
      for (const m of await pollUntil(reader, payloads.length)) {
        counts.set(m.partition, (counts.get(m.partition) ?? 0) + 1);
      }
      // Commit offset 0 everywhere: the group's position is 1.
      for (const p of counts.keys()) await reader.commit(p, 0);
      await reader.close();
    }
    expect([...counts.values()].every((n) => n >= 5)).toBe(true);

    // The store says partition 0 is done up to 3 (set before any poll), partition 1 up to 4 (said
    // when the partition is assigned), partition 2 only up to 0 (behind the commit: the commit wins).
    const assignedSeen: number[][] = [];
    const consumer = await KafkaConsumer.connect(options, {
      onAssigned: async (partitions) => {
        assignedSeen.push([...partitions]);
        if (partitions.includes(1)) await consumer.seekAfter(1, 4);
      },
    });
    try {
      await consumer.seekAfter(0, 3);
      await consumer.seekAfter(2, 0);
      const expected = (counts.get(0) ?? 0) - 4 + (counts.get(1) ?? 0) - 5 + (counts.get(2) ?? 0) - 1;
      const total = expected + (counts.get(3) ?? 0) - 1;
      const got = await pollUntil(consumer, total);
      expect(got).toHaveLength(total);
      const parts = byPartition(got);
      expect(parts.get(0)?.[0]?.offset).toBe(4);
      expect(parts.get(1)?.[0]?.offset).toBe(5);
      expect(parts.get(2)?.[0]?.offset).toBe(1);
      expect(parts.get(3)?.[0]?.offset).toBe(1);
      expect(assignedSeen.flat().sort()).toEqual([0, 1, 2, 3]);
      expect(await drainFor(consumer, 1_000)).toEqual([]);
    } finally {
      await consumer.close();
    }
  });

  it('splits the partitions between two consumers of one group, each message to one of them', async () => {
    const { options } = await topicWith('split', 0);
    const a = await KafkaConsumer.connect(options);
    const b = await KafkaConsumer.connect(options);
    try {
      const early: BusMessage[] = [];
      const deadline = Date.now() + 40_000;
      while (!(a.assignment.length === 2 && b.assignment.length === 2) && Date.now() < deadline) {
        early.push(...(await a.poll(10, 200)), ...(await b.poll(10, 200)));
      }
      expect(early).toEqual([]);
      expect([...a.assignment, ...b.assignment].sort()).toEqual([0, 1, 2, 3]);

      const payloads = await publish(options, 'split', 80);
      const fromA: BusMessage[] = [];
      const fromB: BusMessage[] = [];
      const until = Date.now() + 30_000;
      while (fromA.length + fromB.length < payloads.length && Date.now() < until) {
        fromA.push(...(await a.poll(20, 200)));
        fromB.push(...(await b.poll(20, 200)));
      }
      expect([...texts(fromA), ...texts(fromB)].sort()).toEqual([...payloads].sort());
      expect(fromA.every((m) => a.assignment.includes(m.partition))).toBe(true);
      expect(fromB.every((m) => b.assignment.includes(m.partition))).toBe(true);
      expect(fromA.length).toBeGreaterThan(0);
      expect(fromB.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it('reports per-partition lag as the high watermark minus the next offset to hand out', async () => {
    const { options, payloads } = await topicWith('lag', 40);
    const consumer = await KafkaConsumer.connect(options);
    try {
      const early: BusMessage[] = [];
      const deadline = Date.now() + 20_000;
      while (consumer.assignment.length < PARTITIONS && Date.now() < deadline) {
        early.push(...(await consumer.poll(1, 200)));
      }
      const lag = await consumer.lag();
      expect([...lag.keys()].sort()).toEqual([0, 1, 2, 3]);
      const rest = await pollUntil(consumer, payloads.length - early.length);
      expect(rest).toHaveLength(payloads.length - early.length);
      expect([...lag.values()].reduce((s, n) => s + n, 0)).toBe(rest.length);
      expect([...(await consumer.lag()).values()]).toEqual([0, 0, 0, 0]);
    } finally {
      await consumer.close();
    }
  });

  describe('with the broker stopped', () => {
    let restarted = true;
    afterAll(async () => {
      if (!restarted) await services('start', 'kafka');
    });

    it('rejects a publish within its timeout, never resolves it, and works again after the broker returns', async () => {
      const topic = await freshTopic('down');
      const options: KafkaBusOptions = { brokers, topic, groupId: uniqueName('g'), publishTimeoutMs: 3_000 };
      const producer = await KafkaProducer.connect(options);
      const consumer = await KafkaConsumer.connect(options);
      try {
        await producer.publish(Buffer.from('before'));
        const [before] = await pollUntil(consumer, 1);
        expect(before?.payload.toString()).toBe('before');
        // Committed: the group rejoins after the restart and must not hand it out again.
        if (before) await consumer.commit(before.partition, before.offset);

        restarted = false;
        await services('stop', 'kafka');
        let outcome: 'pending' | 'resolved' | 'rejected' = 'pending';
        let error: unknown;
        try {
          await producer.publish(Buffer.from('while-down'));
          outcome = 'resolved';
        } catch (err) {
          outcome = 'rejected';
          error = err;
        }
        expect(outcome).toBe('rejected');
        expect(error).toBeInstanceOf(Error);
        expect((error as Error).cause).toBeDefined();
        const downDeadline = Date.now() + 15_000;
        while (producer.connected && Date.now() < downDeadline) await new Promise((r) => setTimeout(r, 200));
        expect(producer.connected).toBe(false);
      } finally {
        await services('start', 'kafka');
        restarted = true;
      }
      try {
        await producer.publish(Buffer.from('after'));
        // The rejected payload was never written: only the one published after the restart comes.
        const got = await pollUntil(consumer, 1, 40_000);
        expect(texts(got)).toEqual(['after']);
        expect(await drainFor(consumer, 1_000)).toEqual([]);
        const upDeadline = Date.now() + 15_000;
        while (!producer.connected && Date.now() < upDeadline) await new Promise((r) => setTimeout(r, 200));
        expect(producer.connected).toBe(true);
      } finally {
        await Promise.all([producer.close(), consumer.close()]);
      }
    });
  });
});
