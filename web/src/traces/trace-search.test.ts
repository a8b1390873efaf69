import { describe, expect, it } from 'vitest';
import { durationHistogram } from './duration-histogram';
import {
  DEFAULT_LIMIT,
  filterProblems,
  filtersFromParams,
  filtersToParams,
  parseDurationMs,
  parseTags,
  searchParams,
} from './trace-search';

describe('trace search in the URL', () => {
  it('reads every filter from the address, with defaults for what is missing or wrong', () => {
    const f = filtersFromParams(
      new URLSearchParams(
        'service=checkout&operation=POST%20%2Fpay&min_duration=250ms&max_duration=2s&status=error&tags=http.route:/pay%20region:eu&limit=500',
      ),
    );
    expect(f).toEqual({
      service: 'checkout',
      operation: 'POST /pay',
      minDuration: '250ms',
      maxDuration: '2s',
      status: 'error',
      tags: 'http.route:/pay region:eu',
      limit: 500,
    });
    const none = filtersFromParams(new URLSearchParams('status=maybe&limit=-3'));
    expect(none).toMatchObject({ service: '', status: '', limit: DEFAULT_LIMIT });
    expect(filtersFromParams(new URLSearchParams('limit=50000')).limit).toBe(1000);
  });

  it('writes back only what was given, leaving defaults and empty values out', () => {
    expect(filtersToParams({ service: 'shop', status: '', limit: DEFAULT_LIMIT })).toEqual({
      service: 'shop',
      status: undefined,
      limit: undefined,
    });
    expect(filtersToParams({ minDuration: '1.5s', limit: 20 })).toEqual({
      min_duration: '1.5s',
      limit: '20',
    });
  });

  it('round-trips through the address', () => {
    const f = filtersFromParams(new URLSearchParams('service=a&max_duration=90ms&tags=k:v&limit=20'));
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(filtersToParams(f))) if (v !== undefined) search.set(k, v);
    expect(filtersFromParams(search)).toEqual(f);
  });
});

describe('trace search for the API', () => {
  it('reads durations with or without a unit', () => {
    expect(parseDurationMs('250ms')).toBe(250);
    expect(parseDurationMs('1.5s')).toBe(1500);
    expect(parseDurationMs('2m')).toBe(120_000);
    expect(parseDurationMs('300')).toBe(300);
    expect(parseDurationMs('750us')).toBe(0.75);
    expect(parseDurationMs('fast')).toBeUndefined();
    expect(parseDurationMs('-5ms')).toBeUndefined();
  });

  it('splits tags at their first colon and reports words that are not key:value', () => {
    expect(parseTags(' http.url:http://x/a  region:eu oops :v ')).toEqual({
      tags: [
        ['http.url', 'http://x/a'],
        ['region', 'eu'],
      ],
      invalid: ['oops', ':v'],
    });
  });

  it('names the field at fault', () => {
    const base = filtersFromParams(new URLSearchParams());
    expect(filterProblems(base)).toEqual({});
    expect(Object.keys(filterProblems({ ...base, minDuration: 'soon' }))).toEqual(['minDuration']);
    expect(filterProblems({ ...base, minDuration: '2s', maxDuration: '1s' }).maxDuration).toBe(
      'at least the minimum',
    );
    expect(filterProblems({ ...base, tags: 'a:b c' }).tags).toContain('"c"');
  });

  it('asks the API in whole ms, widened to keep a trace at a bound, and one tags parameter per tag', () => {
    const f = filtersFromParams(
      new URLSearchParams('service=shop&min_duration=0.5ms&max_duration=1.2ms&status=ok&tags=a:1%20b:2'),
    );
    expect(searchParams(f, { from: '-6h', to: 'now' })).toEqual({
      service: 'shop',
      min_duration: 0,
      max_duration: 2,
      status: 'ok',
      tags: ['a:1', 'b:2'],
      from: '-6h',
      to: 'now',
      limit: DEFAULT_LIMIT,
    });
  });
});

describe('durationHistogram', () => {
  it('puts every duration in one bin, the maximum in the last', () => {
    const h = durationHistogram([10, 20, 30, 40, 50], 4);
    expect(h.log).toBe(false);
    expect(h.bins.map((b) => b.count)).toEqual([1, 1, 1, 2]);
    expect(h.bins[0]?.from).toBe(10);
    expect(h.bins.at(-1)?.to).toBe(50);
    expect(h.bins.reduce((n, b) => n + b.count, 0)).toBe(5);
  });

  it('uses a log scale when durations span orders of magnitude', () => {
    const h = durationHistogram([1, 10, 100, 1000, 10_000], 4);
    expect(h.log).toBe(true);
    expect(h.bins.map((b) => b.count)).toEqual([1, 1, 1, 2]);
    expect(h.bins[1]?.from).toBeCloseTo(10, 6);
  });

  it('has one bin when all durations are equal, and none for no traces', () => {
    expect(durationHistogram([7, 7, 7]).bins).toEqual([{ from: 7, to: 7, count: 3 }]);
    expect(durationHistogram([]).bins).toEqual([]);
  });
});
