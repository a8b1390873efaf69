import { describe, expect, it } from 'vitest';
import { vqlCacheKey } from './cache-key.js';
import { prepareVql } from '../query/index.js';
import { parseTimeseriesQuery, timeseriesCacheKey } from './timeseries-request.js';
import type { TimeseriesQueryParams } from './timeseries-request.js';

const NOW = Date.UTC(2026, 10, 27, 12, 34, 56, 789);
const key = (vql: string, now = NOW): string => vqlCacheKey(prepareVql(vql, { now }));

describe('vqlCacheKey', () => {
  it('is the same for the same query however it is spelled', () => {
    const a = key(
      "SELECT service_name, avg(value) FROM metrics WHERE metric_name = 'm' AND timestamp > now() - 1h GROUP BY service_name",
    );
    const b = key(
      "select   service_name,\n  AVG(value)\nfrom metrics where metric_name='m' and timestamp > now() - interval '1 hour' group by service_name;",
    );
    expect(b).toBe(a);
  });

  it('differs when the query means something else', () => {
    const base =
      "SELECT service_name, avg(value) FROM metrics WHERE metric_name = 'm' AND timestamp > now() - 1h GROUP BY service_name";
    expect(key(base.replace("'m'", "'n'"))).not.toBe(key(base));
    expect(key(base.replace('avg', 'max'))).not.toBe(key(base));
    expect(key(`${base} LIMIT 5`)).not.toBe(key(base));
    expect(key(base.replace('1h', '2h'))).not.toBe(key(base));
  });

  it('for a relative range, stays while the scanned steps stay and moves with the next step', () => {
    const perMinute = "SELECT avg(value) FROM metrics WHERE metric_name = 'm' AND timestamp > now() - 1h";
    const minute = Math.floor(NOW / 60_000) * 60_000;
    // Any now inside the same minute scans the same whole minutes (`>` starts 1 ms after now - 1h).
    expect(key(perMinute, minute + 1)).toBe(key(perMinute, minute + 59_998));
    expect(key(perMinute, minute + 60_001)).not.toBe(key(perMinute, minute + 59_998));

    const perFiveMinutes = `${perMinute} GROUP BY time_bucket(5m)`;
    const step = Math.floor(NOW / 300_000) * 300_000;
    expect(key(perFiveMinutes, step + 1)).toBe(key(perFiveMinutes, step + 299_998));
    expect(key(perFiveMinutes, step + 300_001)).not.toBe(key(perFiveMinutes, step + 1));
  });

  it('for a fixed range, does not depend on when it is asked', () => {
    const fixed =
      "SELECT max(value) FROM metrics WHERE metric_name = 'm' AND timestamp BETWEEN '2026-11-27T10:00:00Z' AND '2026-11-27T11:00:00Z'";
    expect(key(fixed, NOW)).toBe(key(fixed, NOW + 86_400_000));
  });
});

describe('timeseriesCacheKey', () => {
  const retention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
  const tsKey = (params: Partial<TimeseriesQueryParams>): string =>
    timeseriesCacheKey(
      parseTimeseriesQuery(
        { service: 's', metric: 'm', from: '-1h', step: '1m', ...params },
        NOW,
        retention,
        1000,
      ),
    );

  it('differs with the exemplars flag, and treats exemplars=false as leaving it out', () => {
    expect(tsKey({ exemplars: true })).not.toBe(tsKey({}));
    expect(tsKey({ exemplars: false })).toBe(tsKey({}));
    expect(tsKey({ exemplars: true })).toBe(tsKey({ exemplars: true }));
  });

  it('with exemplars, still ignores the order of tag filters and moves with the range', () => {
    expect(tsKey({ exemplars: true, tags: 'a:1,b:2' })).toBe(tsKey({ exemplars: true, tags: 'b:2,a:1' }));
    expect(tsKey({ exemplars: true, from: '-2h' })).not.toBe(tsKey({ exemplars: true }));
  });
});
