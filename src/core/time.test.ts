import { describe, it, expect } from 'vitest';
import { formatDuration, parseDuration, parseRfc3339, parseTimePoint } from './time.js';

const NOW = 1_700_000_000_000;

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1.5h', 5_400_000],
    ['90d', 90 * 86_400_000],
    ['2w', 2 * 604_800_000],
    ['250', 250],
    [' 5m ', 300_000],
    ['0s', 0],
  ])('%s -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 'm', '5M', '-5m', '5 m', '5mm', '1y', 'five minutes', '1e3s', '.5h'])('rejects %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});

describe('formatDuration', () => {
  it.each([
    [500, '500ms'],
    [30_000, '30s'],
    [90_000, '90s'],
    [3_600_000, '1h'],
    [90 * 86_400_000, '90d'],
    [1_209_600_000, '2w'],
  ])('%d ms -> %s, which parses back', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });
});

describe('parseTimePoint', () => {
  it('reads now', () => {
    expect(parseTimePoint('now', NOW)).toBe(NOW);
    expect(parseTimePoint('  now ', NOW)).toBe(NOW);
  });

  it('reads relative times back from now', () => {
    expect(parseTimePoint('-1h', NOW)).toBe(NOW - 3_600_000);
    expect(parseTimePoint('now-5m', NOW)).toBe(NOW - 300_000);
    expect(parseTimePoint('now - 5m', NOW)).toBe(NOW - 300_000);
    expect(parseTimePoint('-90s', NOW)).toBe(NOW - 90_000);
    expect(parseTimePoint('-7d', NOW)).toBe(NOW - 7 * 86_400_000);
  });

  it('reads relative times forward from now', () => {
    expect(parseTimePoint('+5m', NOW)).toBe(NOW + 300_000);
    expect(parseTimePoint('now+1h', NOW)).toBe(NOW + 3_600_000);
  });

  it('reads epoch milliseconds', () => {
    expect(parseTimePoint('1700000000000', NOW)).toBe(1_700_000_000_000);
    expect(parseTimePoint('0', NOW)).toBe(0);
  });

  it('reads RFC 3339 with Z and with offsets', () => {
    expect(parseTimePoint('2024-01-01T10:00:00Z', NOW)).toBe(Date.UTC(2024, 0, 1, 10));
    expect(parseTimePoint('2024-01-01T10:00:00+02:00', NOW)).toBe(Date.UTC(2024, 0, 1, 8));
    expect(parseTimePoint('2024-01-01T10:00:00.123-05:30', NOW)).toBe(Date.UTC(2024, 0, 1, 15, 30, 0, 123));
    expect(parseTimePoint('2024-01-01 10:00:00Z', NOW)).toBe(Date.UTC(2024, 0, 1, 10));
    expect(parseTimePoint('2024-01-01t10:00:00z', NOW)).toBe(Date.UTC(2024, 0, 1, 10));
  });

  it.each([
    'junk',
    '',
    '-',
    'now-',
    'now-abc',
    'now+',
    'now*5m',
    '--5m',
    'yesterday',
    '2024-01-01',
    '2024-01-01T10:00:00', // no offset: local time is ambiguous
    '2024-13-01T00:00:00Z',
    '2024-01-01T25:00:00Z',
    '1.5e12',
  ])('rejects %j', (text) => {
    expect(parseTimePoint(text, NOW)).toBeUndefined();
  });

  it('reads a real leap day', () => {
    expect(parseRfc3339('2024-02-29T00:00:00Z')).toBe(Date.UTC(2024, 1, 29));
  });

  // Date.parse rolls an impossible day over into the next month (2024-02-30 -> 2024-03-01), so a
  // typo'd date silently queries another day.
  it('rejects impossible calendar dates', () => {
    expect(parseRfc3339('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2023-02-29T00:00:00Z')).toBeUndefined();
    expect(parseRfc3339('2024-04-31T12:00:00+02:00')).toBeUndefined();
  });
});
