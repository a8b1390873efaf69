import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { PromTextError, parsePrometheusText } from './prometheus-text.js';

describe('parsePrometheusText', () => {
  it('reads back what prom-client writes: labels, histograms, default labels', async () => {
    const registry = new Registry();
    registry.setDefaultLabels({ role: 'collector' });
    const counter = new Counter({
      name: 'c_total',
      help: 'a "help"\nline',
      labelNames: ['code'],
      registers: [registry],
    });
    counter.inc({ code: 'A' }, 3);
    counter.inc({ code: 'B "quoted" \\ back\nslash' }, 2);
    new Gauge({ name: 'g', help: 'g', registers: [registry] }).set(-1.5e-3);
    const h = new Histogram({ name: 'h_seconds', help: 'h', buckets: [0.1, 1], registers: [registry] });
    h.observe(0.05);
    h.observe(5);

    const samples = parsePrometheusText(await registry.metrics());
    expect(samples).toContainEqual({ name: 'c_total', labels: { code: 'A', role: 'collector' }, value: 3 });
    expect(samples).toContainEqual({
      name: 'c_total',
      labels: { code: 'B "quoted" \\ back\nslash', role: 'collector' },
      value: 2,
    });
    expect(samples).toContainEqual({ name: 'g', labels: { role: 'collector' }, value: -0.0015 });
    expect(samples).toContainEqual({
      name: 'h_seconds_bucket',
      labels: { le: '+Inf', role: 'collector' },
      value: 2,
    });
    expect(samples).toContainEqual({ name: 'h_seconds_sum', labels: { role: 'collector' }, value: 5.05 });
    expect(samples.filter((s) => s.name.startsWith('h_seconds'))).toHaveLength(5);
  });

  it('reads special values, timestamps, blanks and a trailing comma', () => {
    const text = ['# HELP x y', '', 'a +Inf', 'b{} -Inf 1700000000000', 'c NaN', ' d{l = "v" ,}\t7 '].join(
      '\n',
    );
    const samples = parsePrometheusText(text);
    expect(samples.map((s) => [s.name, s.value])).toEqual([
      ['a', Infinity],
      ['b', -Infinity],
      ['c', NaN],
      ['d', 7],
    ]);
    expect(samples[3]?.labels).toEqual({ l: 'v' });
  });

  it.each([
    ['{a="b"} 1', 'expected a metric name'],
    ['m{a="b} 1', 'not closed'],
    ['m{a=b} 1', 'expected "'],
    ['m{a="b" c="d"} 1', 'expected , or }'],
    ['m', 'expected a value'],
    ['m one', 'not a number'],
    ['m 1 2 3', 'at most a timestamp'],
    ['m 1 soon', 'not a timestamp'],
  ])('refuses %j, saying why and where', (line, reason) => {
    const parse = () => parsePrometheusText(`ok 1\n${line}`);
    expect(parse).toThrow(PromTextError);
    expect(parse).toThrow(reason);
    expect(parse).toThrow(/^line 2: /);
  });
});
