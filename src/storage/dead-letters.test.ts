import { describe, expect, it } from 'vitest';
import { addSample, newAggregate } from '../core/index.js';
import type { Aggregate } from '../core/index.js';
import { bisectRefused, sortForStorage } from './dead-letters.js';

const T0 = Date.UTC(2024, 0, 1);

function agg(value: number): Aggregate {
  const a = newAggregate('s', 'm', 'gauge', `{"v":"${value}"}`, T0);
  addSample(a, value, T0);
  return a;
}

class Refused extends Error {}

/** A store of our own making that refuses every part holding a refused value. */
function fakeStore(refused: ReadonlySet<number>) {
  const stored: number[] = [];
  const paths: string[] = [];
  const write = async (part: readonly Aggregate[], path: string): Promise<void> => {
    paths.push(path);
    const bad = part.find((a) => refused.has(a.sum));
    if (bad) throw new Refused(`value ${bad.sum} refused`);
    stored.push(...part.map((a) => a.sum));
  };
  return { stored, paths, write };
}

describe('bisectRefused', () => {
  it('sets aside exactly the refused aggregates and stores every other one once', async () => {
    const all = Array.from({ length: 20 }, (_, i) => agg(i));
    const store = fakeStore(new Set([3, 4, 17]));
    const letters = await bisectRefused(all, store.write, (e) => e instanceof Refused, new Refused('x'));
    expect(letters.map((l) => [l.aggregate.sum, l.reason])).toEqual([
      [3, 'value 3 refused'],
      [4, 'value 4 refused'],
      [17, 'value 17 refused'],
    ]);
    expect(store.stored.sort((a, b) => a - b)).toEqual(
      all.map((a) => a.sum).filter((v) => ![3, 4, 17].includes(v)),
    );
    // About 2 log2(n) writes per refused aggregate, not one write per aggregate.
    expect(store.paths.length).toBeLessThan(20);
  });

  it('splits the same batch the same way every time, so a replay repeats the same parts', async () => {
    const all = Array.from({ length: 13 }, (_, i) => agg(i));
    const first = fakeStore(new Set([6]));
    const second = fakeStore(new Set([6]));
    await bisectRefused(all, first.write, (e) => e instanceof Refused, new Refused('x'));
    await bisectRefused(all, second.write, (e) => e instanceof Refused, new Refused('x'));
    expect(second.paths).toEqual(first.paths);
    expect(new Set(first.paths).size).toBe(first.paths.length);
  });

  it('stops at a failure a retry may fix, so the caller retries the whole batch', async () => {
    const all = Array.from({ length: 8 }, (_, i) => agg(i));
    let calls = 0;
    const write = async (): Promise<void> => {
      calls++;
      throw new Error('connect ECONNREFUSED');
    };
    await expect(bisectRefused(all, write, (e) => e instanceof Refused, new Refused('x'))).rejects.toThrow(
      'ECONNREFUSED',
    );
    expect(calls).toBe(1);
  });
});

describe('sortForStorage', () => {
  it('drops empty aggregates and sets aside those that can never be stored', () => {
    const empty = newAggregate('s', 'm', 'counter', '{}', T0);
    const infinite = { ...agg(1), sum: Number.POSITIVE_INFINITY };
    const { storable, refused } = sortForStorage([agg(1), empty, infinite, agg(2)]);
    expect(storable.map((a) => a.sum)).toEqual([1, 2]);
    expect(refused.map((r) => r.reason)).toEqual(['sum is Infinity, not a finite number']);
  });
});
