import { describe, expect, it } from 'vitest';
import { CounterIncreases } from './counter-increases.js';
import { parseExposition } from './exposition-parser.js';
import { metricName, scrapedSamples, targetTags } from './scraped-samples.js';
import type { ScrapeTarget } from './scrape-targets.js';

const target: ScrapeTarget = {
  url: 'http://app:8080/metrics',
  job: 'checkout',
  instance: 'app:8080',
  labels: { env: 'prod' },
};

function scrape(text: string, counters: CounterIncreases, scrapeMs: number, refused: string[] = []) {
  const result = scrapedSamples(parseExposition(text, 'openmetrics'), {
    target,
    scrapeMs,
    counters,
    onRefused: (_s, problem) => refused.push(problem),
  });
  counters.commit(scrapeMs);
  return result;
}

const exposition = (orders: number, bucket: number) => `# TYPE orders counter
orders_total{region="eu"} ${orders}
orders_created{region="eu"} 1000
# TYPE lat histogram
lat_bucket{le="0.1"} ${bucket} # {trace_id="ab"} 0.05
lat_bucket{le="+Inf"} ${bucket}
lat_count ${bucket}
lat_sum ${bucket / 10}
lat_created 1000
# TYPE size summary
size{quantile="0.9"} NaN
size_count 0
size_sum 0
# TYPE temp gauge
temp{job="inner",instance="x",env="dev",empty=""} 21.5
# EOF
`;

describe('scrapedSamples', () => {
  it('ships gauges at once and running totals from the second scrape on, as increases', () => {
    const counters = new CounterIncreases(5_000_000);
    const first = scrape(exposition(10, 4), counters, 10_000_000);
    expect(first.samples.map((s) => [s.name, s.type, s.value])).toEqual([['temp', 'gauge', 21.5]]);
    expect(first.dropped).toEqual({ not_finite: 1, duplicate: 0, limits: 0 });
    expect(first.exemplars).toBe(1);

    const second = scrape(exposition(13, 6), counters, 10_015_000);
    expect(second.samples.map((s) => [s.name, s.type, s.tags.le, s.value])).toEqual([
      ['orders_total', 'counter', undefined, 3],
      ['lat_bucket', 'counter', '0.1', 2],
      ['lat_bucket', 'counter', '+Inf', 2],
      ['lat_count', 'counter', undefined, 2],
      ['lat_sum', 'counter', undefined, expect.closeTo(0.2, 10)],
      ['size_count', 'counter', undefined, 0],
      ['size_sum', 'counter', undefined, 0],
      ['temp', 'gauge', undefined, 21.5],
    ]);
    expect(second.samples.every((s) => s.service === 'checkout' && s.timestamp === 10_015_000)).toBe(true);
  });

  it("labels as Prometheus does: exposed job and instance become exported_*, the target's win", () => {
    const counters = new CounterIncreases(0);
    const temp = scrape(exposition(1, 1), counters, 1).samples.find((s) => s.name === 'temp');
    expect(temp?.tags).toEqual({
      exported_job: 'inner',
      exported_instance: 'x',
      exported_env: 'dev',
      env: 'prod',
      instance: 'app:8080',
    });
  });

  it('drops a second sample of the same series and samples the collector would refuse', () => {
    const refused: string[] = [];
    const long = 'v'.repeat(300);
    const text = `a 1\na 2\nb{t="${long}"} 1\n# EOF\n`;
    const result = scrape(text, new CounterIncreases(0), 1, refused);
    expect(result.samples.map((s) => s.value)).toEqual([1]);
    expect(result.dropped).toEqual({ not_finite: 0, duplicate: 1, limits: 1 });
    expect(refused[0]).toMatch(/tag t is longer than 256/);
  });

  it('honours exposed timestamps', () => {
    const result = scrape('a 1 1700000000.5\n# EOF\n', new CounterIncreases(0), 1);
    expect(result.samples[0]?.timestamp).toBe(1_700_000_000_500);
  });
});

describe('metricName and targetTags', () => {
  it('turns a leading colon into _', () => {
    expect(metricName(':node:cpu:rate5m')).toBe('_node:cpu:rate5m');
    expect(metricName('ok_name:x')).toBe('ok_name:x');
  });

  it('adds instance and target labels to a sample without labels', () => {
    expect(targetTags(target, [])).toEqual({ env: 'prod', instance: 'app:8080' });
  });
});
