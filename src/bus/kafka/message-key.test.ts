import { describe, expect, it } from 'vitest';
import { murmur2, murmur2Partition } from '../../../test/support/kafka-partitioner.js';
import { MessageKeys } from './message-key.js';

describe('MessageKeys', () => {
  it('names the producer and counts its messages', () => {
    const keys = new MessageKeys('collector-a');
    expect([keys.next(), keys.next(), keys.next()]).toEqual([
      'collector-a-1',
      'collector-a-2',
      'collector-a-3',
    ]);
  });

  it('gives each producer a random id by default', () => {
    expect(new MessageKeys().producerId).not.toBe(new MessageKeys().producerId);
  });

  it('spreads the flushes of one producer evenly over the partitions', () => {
    const keys = new MessageKeys('3f9a1c0d22e7');
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4_000; i++) {
      const p = murmur2Partition(keys.next(), 4);
      counts[p] = (counts[p] ?? 0) + 1;
    }
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

describe('murmur2', () => {
  it('matches the Java client (the values of Kafka UtilsTest.testMurmur2)', () => {
    const cases: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
    ];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key))).toBe(hash);
  });
});
