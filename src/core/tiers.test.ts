import { describe, it, expect } from 'vitest';
import { chooseTier } from './tiers.js';
import type { TierRetention } from './tiers.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const NOW = 1_700_000_000_000;
const RETENTION: TierRetention = { '1m': 90 * DAY, '5m': 90 * DAY, '1h': 365 * DAY, '1d': 1095 * DAY };

describe('chooseTier', () => {
  it.each([
    [MIN, '1m'],
    [2 * MIN, '1m'],
    [5 * MIN, '5m'],
    [10 * MIN, '5m'],
    [15 * MIN, '5m'],
    [HOUR, '1h'],
    [90 * MIN, '5m'],
    [6 * HOUR, '1h'],
    [DAY, '1d'],
    [7 * DAY, '1d'],
  ])('picks the coarsest exact tier for a step of %d ms', (step, tier) => {
    expect(chooseTier(step, NOW - HOUR, NOW, RETENTION).name).toBe(tier);
  });

  it('skips tiers whose retention no longer covers the start of the range', () => {
    const odd: TierRetention = { '1m': 10 * DAY, '5m': 10 * DAY, '1h': DAY, '1d': DAY };
    expect(chooseTier(HOUR, NOW - 5 * DAY, NOW, odd).name).toBe('5m');
    expect(chooseTier(HOUR, NOW - HOUR, NOW, odd).name).toBe('1h');
  });

  it('falls back to the coarsest exact tier when none retains the start', () => {
    expect(chooseTier(MIN, NOW - 100 * DAY, NOW, RETENTION).name).toBe('1m');
    expect(chooseTier(5 * MIN, NOW - 100 * DAY, NOW, RETENTION).name).toBe('5m');
    expect(chooseTier(HOUR, NOW - 400 * DAY, NOW, RETENTION).name).toBe('1h');
    expect(chooseTier(DAY, NOW - 5000 * DAY, NOW, RETENTION).name).toBe('1d');
  });

  it('counts a start exactly at the retention edge as retained', () => {
    const odd: TierRetention = { '1m': 10 * DAY, '5m': 10 * DAY, '1h': DAY, '1d': DAY };
    expect(chooseTier(HOUR, NOW - DAY, NOW, odd).name).toBe('1h');
    expect(chooseTier(HOUR, NOW - DAY - 1, NOW, odd).name).toBe('5m');
  });

  it('throws for a step that is not whole minutes', () => {
    for (const step of [1, 30_000, 90_000, MIN + 1]) {
      expect(() => chooseTier(step, NOW - HOUR, NOW, RETENTION)).toThrow(RangeError);
    }
  });
});
