import { afterAll, describe, expect, it } from 'vitest';
import { KafkaLease } from '../src/bus/index.js';
import { eventually } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';

/** The ruler's lease on the real Kafka: one holder of two members, and a handover when it leaves. */
const topic = uniqueName('vantage-lease');
const leases: KafkaLease[] = [];
const acquired: string[] = [];

async function member(name: string): Promise<KafkaLease> {
  const lease = await KafkaLease.start({
    brokers: kafkaBrokers(),
    clientId: `lease-test-${name}`,
    topic,
    sessionTimeoutMs: 6_000,
    onAcquired: async () => void acquired.push(name),
  });
  leases.push(lease);
  return lease;
}

afterAll(async () => {
  await Promise.all(leases.map((l) => l.close()));
  await deleteTopics(kafkaBrokers(), [topic]);
});

describe('KafkaLease', () => {
  it('is held by exactly one member, and by the other once the holder leaves', async () => {
    const [a, b] = await Promise.all([member('a'), member('b')]);
    const holder = await eventually(async () => (a.held ? a : b.held ? b : undefined), 30_000, 'a holder');
    const other = holder === a ? b : a;
    const [holderName, otherName] = holder === a ? ['a', 'b'] : ['b', 'a'];
    expect(other.held).toBe(false);
    expect(acquired).toEqual([holderName]);
    await holder.close();
    expect(holder.held).toBe(false);
    await eventually(async () => (other.held ? true : undefined), 30_000, 'the handover');
    expect(acquired).toEqual([holderName, otherName]);
  });
});
