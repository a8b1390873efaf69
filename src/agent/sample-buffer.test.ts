import { describe, expect, it } from 'vitest';
import type { Sample } from '../core/index.js';
import { SampleBuffer } from './sample-buffer.js';

const samples = (from: number, count: number): Sample[] =>
  Array.from({ length: count }, (_, i) => ({
    service: 'host:t',
    name: 'm',
    value: from + i,
    timestamp: from + i,
    type: 'gauge',
    tags: {},
  }));
const values = (batch: readonly Sample[]): number[] => batch.map((s) => s.value);

describe('SampleBuffer', () => {
  it('holds samples oldest first and hands them out in batches', () => {
    const buffer = new SampleBuffer(10);
    expect(buffer.push(samples(0, 4))).toBe(0);
    expect(values(buffer.take(3))).toEqual([0, 1, 2]);
    expect(buffer.size).toBe(4);
    expect(buffer.queued).toBe(1);
  });

  it('drops the oldest queued samples when full, and counts them', () => {
    const buffer = new SampleBuffer(10);
    buffer.push(samples(0, 8));
    expect(buffer.push(samples(100, 5))).toBe(3);
    expect(buffer.size).toBe(10);
    expect(buffer.dropped).toBe(3);
    expect(values(buffer.take(100))).toEqual([3, 4, 5, 6, 7, 100, 101, 102, 103, 104]);
  });

  it('keeps only the newest of a push larger than the whole buffer', () => {
    const buffer = new SampleBuffer(5);
    buffer.push(samples(0, 2));
    expect(buffer.push(samples(100, 8))).toBe(5);
    expect(values(buffer.take(10))).toEqual([103, 104, 105, 106, 107]);
  });

  it('counts the batch in flight against the bound, and drops around it', () => {
    const buffer = new SampleBuffer(10);
    buffer.push(samples(0, 10));
    const inFlight = buffer.take(4);
    expect(buffer.push(samples(100, 3))).toBe(3);
    expect(buffer.size).toBe(10);
    buffer.settle(inFlight);
    expect(buffer.size).toBe(6);
    expect(values(buffer.take(10))).toEqual([7, 8, 9, 100, 101, 102]);
  });

  it('puts a batch it could not send back in front, dropping it first when there is no room', () => {
    const buffer = new SampleBuffer(6);
    buffer.push(samples(0, 4));
    const batch = buffer.take(4);
    buffer.push(samples(100, 2));
    buffer.requeue(batch);
    expect(values(buffer.take(2))).toEqual([0, 1]);

    const full = new SampleBuffer(6);
    full.push(samples(0, 4));
    const again = full.take(4);
    full.push(samples(100, 2));
    // While the batch is out, new samples push out the oldest queued ones, never the batch.
    expect(full.push(samples(200, 2))).toBe(2);
    full.requeue(again);
    expect(full.size).toBe(6);
    // Back in front, the batch is the first to go when room is needed.
    expect(full.push(samples(300, 1))).toBe(1);
    expect(full.dropped).toBe(3);
    expect(values(full.take(10))).toEqual([1, 2, 3, 200, 201, 300]);
  });

  it('keeps order and count through many pushes and takes (compaction)', () => {
    const buffer = new SampleBuffer(100_000);
    let next = 0;
    let expected = 0;
    for (let round = 0; round < 50; round++) {
      buffer.push(samples(next, 700));
      next += 700;
      const batch = buffer.take(600);
      expect(batch[0]?.value).toBe(expected);
      expected += 600;
      buffer.settle(batch);
    }
    expect(buffer.size).toBe(50 * 100);
    expect(buffer.take(1)[0]?.value).toBe(expected);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new SampleBuffer(0)).toThrow(RangeError);
  });
});
