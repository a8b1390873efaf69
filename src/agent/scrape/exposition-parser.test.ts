import { describe, expect, it } from 'vitest';
import { ExpositionError, parseExposition, parseValue } from './exposition-parser.js';

/** What Python's prometheus-client 0.26 serves for OpenMetrics (counter, histogram, summary, info). */
const OPENMETRICS = `# HELP orders Orders taken
# TYPE orders counter
orders_total{region="eu"} 3.0
orders_created{region="eu"} 1.7966037088205948e+09
orders_total{region="us\\"x\\\\y\\nz"} 1.5
# HELP latency_seconds Latency
# TYPE latency_seconds histogram
latency_seconds_bucket{le="0.1"} 1.0 # {trace_id="abc123"} 0.05 1796603708.8207412
latency_seconds_bucket{le="+Inf"} 2.0
latency_seconds_count 2.0
latency_seconds_sum 2.05
latency_seconds_created 1.7966037088206654e+09
# TYPE size_bytes summary
# UNIT size_bytes bytes
size_bytes{quantile="0.5"} NaN
size_bytes_count 1.0
size_bytes_sum 10.0
# TYPE build info
build_info{version="1.2"} 1.0
# EOF
`;

describe('parseExposition (OpenMetrics 1.0)', () => {
  const samples = parseExposition(OPENMETRICS, 'openmetrics');
  const byName = (name: string) => samples.filter((s) => s.name === name);

  it('puts _total and _created samples in their counter family', () => {
    expect(byName('orders_total').map((s) => [s.family, s.type, s.suffix])).toEqual([
      ['orders', 'counter', '_total'],
      ['orders', 'counter', '_total'],
    ]);
    expect(byName('orders_created')[0]).toMatchObject({ family: 'orders', suffix: '_created' });
    expect(byName('orders_created')[0]?.value).toBeCloseTo(1_796_603_708.8205948, 6);
  });

  it('unescapes label values: \\\\, \\" and \\n', () => {
    expect(byName('orders_total')[1]?.labels).toEqual([['region', 'us"x\\y\nz']]);
  });

  it('keeps histogram and summary suffixes, with their le and quantile labels', () => {
    expect(byName('latency_seconds_bucket').map((s) => [s.suffix, s.labels, s.value])).toEqual([
      ['_bucket', [['le', '0.1']], 1],
      ['_bucket', [['le', '+Inf']], 2],
    ]);
    expect(byName('latency_seconds_sum')[0]).toMatchObject({
      type: 'histogram',
      suffix: '_sum',
      value: 2.05,
    });
    expect(byName('size_bytes')[0]).toMatchObject({
      type: 'summary',
      suffix: '',
      labels: [['quantile', '0.5']],
    });
    expect(byName('size_bytes')[0]?.value).toBeNaN();
    expect(byName('build_info')[0]).toMatchObject({ family: 'build', type: 'info', suffix: '_info' });
  });

  it('reads exemplars, with their timestamp in seconds turned to milliseconds', () => {
    const bucket = byName('latency_seconds_bucket')[0];
    expect(bucket?.exemplar).toEqual({
      labels: [['trace_id', 'abc123']],
      value: 0.05,
      timestampMs: 1_796_603_708_821,
    });
    expect(bucket?.timestampMs).toBeUndefined();
  });

  it('reads sample timestamps as seconds', () => {
    const [s] = parseExposition('# TYPE a gauge\na 1 1520879607.789\n# EOF\n', 'openmetrics');
    expect(s?.timestampMs).toBe(1_520_879_607_789);
  });

  it('refuses an exposition without # EOF, or with anything after it', () => {
    expect(() => parseExposition('a 1\n', 'openmetrics')).toThrow(/does not end with "# EOF"/);
    expect(() => parseExposition('a 1\n# EOF\nb 2\n', 'openmetrics')).toThrow(/line 3: content after/);
  });

  it('refuses a blank line, which OpenMetrics forbids', () => {
    expect(() => parseExposition('a 1\n\nb 2\n# EOF\n', 'openmetrics')).toThrow(ExpositionError);
  });
});

describe('parseExposition (text 0.0.4)', () => {
  it('reads prom-client style output: a counter named _total, untyped samples, integer ms timestamps', () => {
    const text = [
      '# HELP http_requests_total Requests',
      '# TYPE http_requests_total counter',
      'http_requests_total{method="GET",code="200"} 1027 1395066363000',
      'http_requests_total{method="POST",code="400",} 3',
      '',
      'plain_untyped   12.5',
      '# a comment that says nothing',
      '# EOF is a comment in 0.0.4',
      '  spaced {a = "b" , c="d"}\t-7',
    ].join('\n');
    const samples = parseExposition(text, 'text');
    expect(samples.map((s) => [s.name, s.type, s.suffix, s.value, s.timestampMs])).toEqual([
      ['http_requests_total', 'counter', '', 1027, 1_395_066_363_000],
      ['http_requests_total', 'counter', '', 3, undefined],
      ['plain_untyped', 'unknown', '', 12.5, undefined],
      ['spaced', 'unknown', '', -7, undefined],
    ]);
    expect(samples[1]?.labels).toEqual([
      ['method', 'POST'],
      ['code', '400'],
    ]);
    expect(samples[3]?.labels).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
  });

  it('reads NaN and infinities in every spelling Prometheus takes', () => {
    const text = 'a NaN\nb +Inf\nc -Inf\nd Inf\ne nan\nf 1e3\ng -.5\n';
    expect(parseExposition(text, 'text').map((s) => s.value)).toEqual([
      NaN,
      Infinity,
      -Infinity,
      Infinity,
      NaN,
      1000,
      -0.5,
    ]);
  });

  it('reads a _created gauge family (Python client in 0.0.4) as its own gauge', () => {
    const text =
      '# TYPE orders_total counter\norders_total 3\n# TYPE orders_created gauge\norders_created 1.7e9\n';
    const samples = parseExposition(text, 'text');
    expect(samples.map((s) => [s.family, s.type])).toEqual([
      ['orders_total', 'counter'],
      ['orders_created', 'gauge'],
    ]);
  });

  it('keeps unknown escapes as written', () => {
    const [s] = parseExposition('a{path="C:\\temp"} 1\n', 'text');
    expect(s?.labels).toEqual([['path', 'C:\\temp']]);
  });

  it.each([
    ['a{b="c} 1', /label value not closed/],
    ['a{b="c",b="d"} 1', /label b given twice/],
    ['a{1b="c"} 1', /expected a label name/],
    ['a 12x', /"12x" is not a number/],
    ['a 0x10', /is not a number/],
    ['a', /expected a blank before the value/],
    ['a 1 1.5', /not whole milliseconds/],
    ['a 1 2 3', /unexpected text/],
    ['a 1 # {t="x"} 1', /exemplars are OpenMetrics only/],
    ['# TYPE a bogus', /unknown type "bogus"/],
    ['# TYPE a gauge\n# TYPE a counter', /second TYPE line/],
    ['9a 1', /expected a metric name/],
  ])('refuses %j with the line and reason', (text, reason) => {
    expect(() => parseExposition(text, 'text')).toThrow(reason);
    expect(() => parseExposition(text, 'text')).toThrow(/^line \d+: /);
  });

  it('reads a timestamp before the end of the line and refuses a bad one in OpenMetrics', () => {
    expect(() => parseExposition('a 1 abc\n# EOF\n', 'openmetrics')).toThrow(/not a number of seconds/);
  });
});

describe('parseValue', () => {
  it('takes decimal floats and the special values, nothing else', () => {
    expect(parseValue('3.0')).toBe(3);
    expect(parseValue('+Infinity')).toBe(Infinity);
    expect(parseValue('')).toBeUndefined();
    expect(parseValue('1_000')).toBeUndefined();
  });
});
