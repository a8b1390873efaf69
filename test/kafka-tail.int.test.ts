/**
 * The Kafka live tail (the query API's stream feed in distributed mode) against the real broker:
 * it hands out what is published after it started, from every partition, and never touches the
 * workers' consumer group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaConsumer, KafkaProducer, KafkaTail, ensureTopic } from '../src/bus/index.js';
import type { KafkaBusOptions } from '../src/bus/index.js';
import { eventually } from './support/http.js';
import { deleteTopics, kafkaBrokers, pollUntil, uniqueName } from './support/kafka.js';

let brokers: string[];
const created: string[] = [];
const tails: KafkaTail[] = [];

beforeAll(() => {
  brokers = kafkaBrokers();
});

afterAll(async () => {
  await Promise.all(tails.map((t) => t.close()));
  await deleteTopics(brokers, created);
});

async function publish(options: KafkaBusOptions, payloads: readonly string[]): Promise<void> {
  const producer = await KafkaProducer.connect(options, uniqueName('p'));
  try {
    await Promise.all(payloads.map((p) => producer.publish(Buffer.from(p))));
  } finally {
    await producer.close();
  }
}

async function startTail(options: KafkaBusOptions, refreshMs?: number): Promise<string[]> {
  const tail = await KafkaTail.connect(options, refreshMs === undefined ? {} : { refreshMs });
  tails.push(tail);
  const got: string[] = [];
  await tail.start((payloads) => got.push(...payloads.map((p) => p.toString())));
  return got;
}

describe('KafkaTail', () => {
  it('hands out what is published after start, from every partition, and commits nothing', async () => {
    const topic = uniqueName('vantage-tail');
    created.push(topic);
    expect(await ensureTopic(brokers, topic, 4)).toBe(4);
    const group = uniqueName('workers');
    const options: KafkaBusOptions = { brokers, topic, groupId: group, clientId: 'vantage-tail-test' };
    await publish(options, ['before-1', 'before-2']);

    const got = await startTail(options);
    const after = Array.from({ length: 40 }, (_, i) => `after-${i}`);
    await publish(options, after);
    await eventually(async () => (got.length >= after.length ? true : undefined), 15_000, 'the tail');
    expect([...got].sort()).toEqual([...after].sort());

    // The workers' group starts from the beginning: the tail moved nothing of theirs.
    const worker = await KafkaConsumer.connect(options);
    try {
      const all = await pollUntil(worker, 42, 30_000);
      expect(all).toHaveLength(42);
    } finally {
      await worker.close();
    }
  });

  it('picks up a topic created after it started, from the beginning', async () => {
    const topic = uniqueName('vantage-tail-late');
    created.push(topic);
    const options: KafkaBusOptions = { brokers, topic, clientId: 'vantage-tail-test' };
    const got = await startTail(options, 200);
    expect(await ensureTopic(brokers, topic, 2)).toBe(2);
    await publish(options, ['first', 'second', 'third']);
    await eventually(async () => (got.length >= 3 ? true : undefined), 15_000, 'the late topic');
    expect([...got].sort()).toEqual(['first', 'second', 'third']);
  });
});
