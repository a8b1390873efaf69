import { describe, expect, it } from 'vitest';
import { CounterIncreases } from './counter-increases.js';

describe('CounterIncreases', () => {
  it('takes the first reading as a baseline, then gives the increase per scrape', () => {
    const c = new CounterIncreases(1_000);
    expect(c.observe('a', 10, NaN)).toBeUndefined();
    c.commit(2_000);
    expect(c.observe('a', 15, NaN)).toBe(5);
    c.commit(3_000);
    expect(c.observe('a', 15, NaN)).toBe(0);
  });

  it('reads a lower value as a reset: the new value is the increase', () => {
    const c = new CounterIncreases(0);
    c.observe('a', 100, NaN);
    c.commit(1);
    expect(c.observe('a', 7, NaN)).toBe(7);
  });

  it('reads a later _created as a reset even when the value went up', () => {
    const c = new CounterIncreases(0);
    c.observe('a', 5, 1_000);
    c.commit(2_000);
    // Restarted at 2,500 and counted 9 since: 9, not 9 - 5.
    expect(c.observe('a', 9, 2_500)).toBe(9);
  });

  it('counts a counter born since the last look whole, and one born before as a baseline', () => {
    const c = new CounterIncreases(10_000);
    expect(c.observe('old', 50, 5_000)).toBeUndefined();
    expect(c.observe('fresh', 3, 10_000)).toBe(3);
    c.commit(20_000);
    expect(c.observe('new-label-set', 4, 20_500)).toBe(4);
    expect(c.observe('came-back', 8, 15_000)).toBeUndefined();
  });

  it('keeps the last good state across a failed scrape, so the outage increase is not lost', () => {
    const c = new CounterIncreases(0);
    c.observe('a', 10, NaN);
    c.commit(1);
    c.observe('a', 12, NaN);
    c.abandon();
    expect(c.observe('a', 20, NaN)).toBe(10);
  });

  it('holds only the series of the last good scrape', () => {
    const c = new CounterIncreases(0);
    c.observe('a', 1, NaN);
    c.observe('b', 1, NaN);
    c.commit(1);
    expect(c.size).toBe(2);
    c.observe('b', 2, NaN);
    c.commit(2);
    expect(c.size).toBe(1);
    // a is gone: when it comes back it is a baseline again.
    expect(c.observe('a', 5, NaN)).toBeUndefined();
  });
});
