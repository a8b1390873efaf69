import { describe, expect, it } from 'vitest';
import { RollupCutoff } from './rollup-cutoff.js';

describe('RollupCutoff', () => {
  it('loads once per refresh period, sharing a load in flight', async () => {
    let clock = 0;
    const answers = [5_000, 0];
    let loads = 0;
    const cutoff = new RollupCutoff(
      () => Promise.resolve(answers[loads++] ?? null),
      60_000,
      () => clock,
    );
    expect(await Promise.all([cutoff.current(), cutoff.current()])).toEqual([5_000, 5_000]);
    clock = 59_999;
    expect(await cutoff.current()).toBe(5_000);
    expect(loads).toBe(1);
    clock = 60_000;
    expect(await cutoff.current()).toBe(0);
    expect(loads).toBe(2);
  });

  it('reads a failed load as no cutoff, and tries again after the period', async () => {
    let clock = 0;
    let fail = true;
    const cutoff = new RollupCutoff(
      () => (fail ? Promise.reject(new Error('UNKNOWN_TABLE')) : Promise.resolve(0)),
      1_000,
      () => clock,
    );
    expect(await cutoff.current()).toBeNull();
    fail = false;
    expect(await cutoff.current()).toBeNull();
    clock = 1_000;
    expect(await cutoff.current()).toBe(0);
  });
});
