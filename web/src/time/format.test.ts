import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration, formatMs, formatNumber, formatPercent } from './format';

describe('formatting', () => {
  it('writes numbers with three significant digits, compact when large', () => {
    expect(formatNumber(1234.5678)).toBe('1,235');
    expect(formatNumber(12.345)).toBe('12.35');
    expect(formatNumber(123_456)).toBe('123K');
    expect(formatNumber(0.004)).toBe('4.0e-3');
    expect(formatNumber(null)).toBe('—');
    expect(formatNumber(Number.NaN)).toBe('—');
  });

  it('writes fractions as percents, latencies in ms or s, sizes in powers of 1024, steps as durations', () => {
    expect(formatPercent(0.0512)).toBe('5.12 %');
    expect(formatMs(250)).toBe('250 ms');
    expect(formatMs(1330)).toBe('1.33 s');
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1_300_000)).toBe('1.24 MB');
    expect(formatDuration(60_000)).toBe('1m');
    expect(formatDuration(3_600_000)).toBe('1h');
    expect(formatDuration(90_000)).toBe('90s');
  });
});
