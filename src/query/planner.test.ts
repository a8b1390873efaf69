import { describe, expect, it } from 'vitest';
import { prepareVql } from './vql.js';
import { readsEverySeries, tagRollupKey } from './planner.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** 2026-11-27 12:34:56.789 UTC: inside a minute, an hour and a day. */
const NOW = Date.UTC(2026, 10, 27, 12, 34, 56, 789);
const FOREVER = { '1m': Infinity, '5m': Infinity, '1h': Infinity, '1d': Infinity };

const pieces = (vql: string, retention = FOREVER): [string, number, number][] =>
  prepareVql(vql, { now: NOW, retention }).pieces.map((p) => [p.tier.name, p.from, p.to]);

describe('planQuery pieces', () => {
  it('reads the whole hours of an unaligned 24 h range from the hourly tier, its edges from finer ones', () => {
    const plan = prepareVql('SELECT avg(value) FROM metrics WHERE timestamp > now() - 24h', {
      now: NOW,
      retention: FOREVER,
    });
    // The scan itself and the one exact tier are as before: whole minutes, the 1-minute tier.
    expect(plan.tier.name).toBe('1m');
    const from = Math.floor((NOW - DAY) / MINUTE) * MINUTE;
    const to = Math.ceil(NOW / MINUTE) * MINUTE;
    expect(plan.scan).toEqual({ from, to });
    const hourFrom = Math.ceil(from / HOUR) * HOUR;
    const hourTo = Math.floor(to / HOUR) * HOUR;
    const fiveFrom = Math.ceil(from / (5 * MINUTE)) * 5 * MINUTE;
    const fiveTo = Math.floor(to / (5 * MINUTE)) * 5 * MINUTE;
    const expected: [string, number, number][] = [
      ['1m', from, fiveFrom],
      ['5m', fiveFrom, hourFrom],
      ['1h', hourFrom, hourTo],
      ['5m', hourTo, fiveTo],
      ['1m', fiveTo, to],
    ];
    // 12:35 ends on a whole 5 minutes: no 1-minute piece after it.
    expect(fiveTo).toBe(to);
    expect(pieces('SELECT avg(value) FROM metrics WHERE timestamp > now() - 24h')).toEqual(
      expected.filter(([, a, b]) => a < b),
    );
  });

  it('covers the scan exactly, without gaps or overlaps, over a week', () => {
    const plan = prepareVql('SELECT max(value) FROM metrics WHERE timestamp > now() - 7d', {
      now: NOW,
      retention: FOREVER,
    });
    expect(plan.pieces.map((p) => p.tier.name)).toContain('1d');
    expect(plan.pieces[0]?.from).toBe(plan.scan.from);
    expect(plan.pieces.at(-1)?.to).toBe(plan.scan.to);
    for (const [i, p] of plan.pieces.entries()) {
      expect(p.from % p.tier.resolutionMs).toBe(0);
      expect(p.to % p.tier.resolutionMs).toBe(0);
      if (i > 0) expect(p.from).toBe(plan.pieces[i - 1]?.to);
    }
  });

  it('keeps one piece, the step tier over the scan, when the query has a time_bucket', () => {
    const plan = prepareVql(
      'SELECT time_bucket(5m) AS t, avg(value) FROM metrics WHERE timestamp > now() - 24h GROUP BY t',
      { now: NOW, retention: FOREVER },
    );
    expect(plan.pieces).toEqual([{ tier: plan.tier, ...plan.scan }]);
    expect(plan.tier.name).toBe('5m');
  });

  it('falls back to the one exact tier when a finer tier no longer holds an edge', () => {
    // The minute tiers keep one day: the edge 30 days back is only in the hourly and daily tiers.
    const short = { '1m': DAY, '5m': DAY, '1h': Infinity, '1d': Infinity };
    const plan = prepareVql('SELECT avg(value) FROM metrics WHERE timestamp > now() - 30d', {
      now: NOW,
      retention: short,
    });
    expect(plan.pieces).toEqual([{ tier: plan.tier, ...plan.scan }]);
  });
});

describe('tagRollupKey', () => {
  const key = (vql: string): string | undefined =>
    tagRollupKey(prepareVql(vql, { now: NOW, retention: FOREVER }));
  const WHERE = "WHERE service_name = 'api' AND metric_name = 'latency_ms'";

  it('names the one tag key that groups and conditions use besides service, metric and time', () => {
    expect(key(`SELECT tags.region, avg(value), p95(value) FROM metrics ${WHERE} GROUP BY tags.region`)).toBe(
      'region',
    );
    expect(
      key(
        `SELECT time_bucket(5m) AS t, service_name, max(value) FROM metrics ${WHERE} AND (tags.region = 'eu' OR NOT tags.region LIKE 'u%') GROUP BY t, service_name`,
      ),
    ).toBe('region');
  });

  it('is undefined for no tag, two tags, a type, or a rate', () => {
    expect(key(`SELECT avg(value) FROM metrics ${WHERE}`)).toBeUndefined();
    expect(
      key(`SELECT tags.region, avg(value) FROM metrics ${WHERE} AND tags.env = 'prod' GROUP BY tags.region`),
    ).toBeUndefined();
    expect(
      key(`SELECT tags.region, type, avg(value) FROM metrics ${WHERE} GROUP BY tags.region, type`),
    ).toBeUndefined();
    expect(
      key(`SELECT tags.region, avg(value) FROM metrics ${WHERE} AND type = 'gauge' GROUP BY tags.region`),
    ).toBeUndefined();
    expect(key(`SELECT tags.region, rate(value) FROM metrics ${WHERE} GROUP BY tags.region`)).toBeUndefined();
  });
});

describe('readsEverySeries', () => {
  const every = (vql: string): boolean => readsEverySeries(prepareVql(vql, { now: NOW, retention: FOREVER }));
  const WHERE = "WHERE service_name = 'api' AND metric_name LIKE 'latency%'";

  it('holds when groups and conditions name only service, metric and time', () => {
    expect(every(`SELECT avg(value), p99(value), last(value) FROM metrics ${WHERE}`)).toBe(true);
    expect(
      every(
        `SELECT time_bucket(5m) AS t, service_name, metric_name, max(value) FROM metrics ${WHERE} GROUP BY t, service_name, metric_name`,
      ),
    ).toBe(true);
  });

  it('fails for a tag, a type or a rate', () => {
    expect(every(`SELECT tags.region, avg(value) FROM metrics ${WHERE} GROUP BY tags.region`)).toBe(false);
    expect(every(`SELECT avg(value) FROM metrics ${WHERE} AND NOT tags.env = 'dev'`)).toBe(false);
    expect(every(`SELECT type, avg(value) FROM metrics ${WHERE} GROUP BY type`)).toBe(false);
    expect(every(`SELECT avg(value) FROM metrics ${WHERE} AND type = 'gauge'`)).toBe(false);
    expect(every(`SELECT rate(value) FROM metrics ${WHERE}`)).toBe(false);
  });
});
