import { describe, expect, it } from 'vitest';
import {
  METRIC_LIMITS,
  PointColumns,
  ProtobufError,
  ProtobufWriter,
  WIRE_FIXED64,
  WIRE_VARINT,
} from '../../core/index.js';
import { decodeMetricsJson } from './otlp-json-decoder.js';
import { OtlpJsonError } from './otlp-json-fields.js';
import { sanitizeMetricName, sanitizeTagKey } from './otlp-point-writer.js';
import { decodeMetricsProtobuf } from './otlp-protobuf-decoder.js';

/*
 * What the SDK test does not reach: summaries, delta sums, flags, exemplars, fields in unusual
 * order, unspecified temporality, malformed bytes. Requests are hand-encoded per
 * opentelemetry-proto's field numbers, in protobuf and in the JSON mapping.
 */

const T = 1_700_000_000_000; // ms
const ns = (ms: number): bigint => BigInt(ms) * 1_000_000n;

type W = ProtobufWriter;
const kv = (w: W, field: number, key: string, value: (v: W) => void): W =>
  w.messageField(field, (k) => k.stringField(1, key).messageField(2, value));
const str = (field: number, key: string, value: string) => (w: W) =>
  kv(w, field, key, (v) => v.stringField(1, value));

/** ExportMetricsServiceRequest with one resource (service `svc`) and one scope holding `metrics`. */
function request(...metrics: ((m: W) => void)[]): Uint8Array {
  return new ProtobufWriter()
    .messageField(1, (rm) => {
      // Scope metrics before the resource: fields may come in any order.
      rm.messageField(2, (sm) => {
        sm.messageField(1, (scope) => scope.stringField(1, 'lib'));
        for (const m of metrics) sm.messageField(2, m);
      });
      rm.messageField(1, (r) => str(1, 'service.name', 'svc')(r));
    })
    .finish();
}

function decode(bytes: Uint8Array): PointColumns {
  const columns = new PointColumns();
  decodeMetricsProtobuf(bytes, columns);
  return columns;
}

const seriesOf = (c: PointColumns, i: number) => c.series[c.seriesAt(i)];

describe('the OTLP protobuf decoder', () => {
  it('reads a delta monotonic sum as delta, with the value before its attributes and temporality after its points', () => {
    const c = decode(
      request((m) =>
        m
          .messageField(7, (sum) => {
            sum.messageField(1, (p) => {
              p.fixed64Field(3, ns(T)).tag(6, WIRE_FIXED64).fixed64(-5n); // as_int -5 (sfixed64)
              str(7, 'host', 'a')(p);
            });
            sum.varintField(2, 1).varintField(3, 1);
          })
          .stringField(1, 'jobs.done'),
      ),
    );
    expect(c.pointCount).toBe(1);
    expect(seriesOf(c, 0)).toMatchObject({
      service: 'svc',
      name: 'jobs.done',
      kind: 'delta',
      labels: ['host', 'a'],
    });
    expect([c.timestampAt(0), c.valueAt(0), c.startAt(0)]).toEqual([T, -5, Number.NaN]);
    expect(seriesOf(c, 0)?.field).toBe('resourceMetrics[0].scopeMetrics[0].metrics[0]');
  });

  it('expands a summary into quantile gauges and cumulative _count and _sum', () => {
    const c = decode(
      request((m) =>
        m.stringField(1, 'rpc.latency').messageField(11, (s) =>
          s.messageField(1, (p) => {
            p.fixed64Field(2, ns(T - 60_000))
              .fixed64Field(3, ns(T))
              .fixed64Field(4, 10)
              .doubleField(5, 12.5);
            p.messageField(6, (q) => q.doubleField(1, 0.5).doubleField(2, 1));
            p.messageField(6, (q) => q.doubleField(1, 0.99).doubleField(2, 4));
          }),
        ),
      ),
    );
    const got = Array.from({ length: c.pointCount }, (_, i) => [
      seriesOf(c, i)?.name,
      seriesOf(c, i)?.kind,
      seriesOf(c, i)?.labels,
      c.valueAt(i),
      c.startAt(i),
    ]);
    expect(got).toEqual([
      ['rpc.latency', 'gauge', ['quantile', '0.5'], 1, T - 60_000],
      ['rpc.latency', 'gauge', ['quantile', '0.99'], 4, T - 60_000],
      ['rpc.latency_count', 'cumulative', [], 10, T - 60_000],
      ['rpc.latency_sum', 'cumulative', [], 12.5, T - 60_000],
    ]);
  });

  it('skips points flagged NO_RECORDED_VALUE and refuses a monotonic sum of unspecified temporality', () => {
    const c = decode(
      request(
        (m) =>
          m.stringField(1, 'g').messageField(5, (g) => {
            g.messageField(1, (p) => p.fixed64Field(3, ns(T)).doubleField(4, 1).varintField(8, 1));
            g.messageField(1, (p) => p.fixed64Field(3, ns(T)).doubleField(4, 2));
          }),
        (m) =>
          m.stringField(1, 'c').messageField(7, (s) => {
            s.varintField(3, 1);
            s.messageField(1, (p) => p.fixed64Field(3, ns(T)).doubleField(4, 1));
            s.messageField(1, (p) => p.fixed64Field(3, ns(T)).doubleField(4, 2));
          }),
      ),
    );
    expect(c.pointCount).toBe(1);
    expect(c.valueAt(0)).toBe(2);
    expect(c.rejectedPoints).toBe(2);
    expect(c.rejections).toEqual([
      {
        code: 'VTG_INGEST_INVALID_SAMPLE',
        field: 'resourceMetrics[0].scopeMetrics[0].metrics[1].sum.aggregationTemporality',
        message: 'The aggregation temporality must be DELTA (1) or CUMULATIVE (2), not 0',
      },
    ]);
  });

  it('refuses a histogram whose bucket counts do not fit its bounds, and keeps exemplars with hex ids', () => {
    const trace = Uint8Array.from({ length: 16 }, (_, i) => i * 17);
    const span = Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0, 1, 2, 3]);
    const c = decode(
      request((m) =>
        m.stringField(1, 'h').messageField(9, (h) => {
          h.varintField(2, 1);
          h.messageField(1, (p) => {
            p.fixed64Field(3, ns(T))
              .fixed64Field(4, 2)
              .bytesField(7, new ProtobufWriter().double(10).finish());
            p.bytesField(6, new ProtobufWriter().fixed64(1).fixed64(1).finish());
            p.messageField(8, (e) =>
              e
                .fixed64Field(2, ns(T - 5))
                .doubleField(3, 7.5)
                .bytesField(5, trace)
                .bytesField(4, span),
            );
          });
          h.messageField(1, (p) =>
            p
              .fixed64Field(3, ns(T))
              .fixed64Field(4, 2)
              .bytesField(6, new ProtobufWriter().fixed64(2).finish())
              .bytesField(7, new ProtobufWriter().double(10).finish()),
          );
        }),
      ),
    );
    expect(c.histograms).toHaveLength(1);
    expect(c.histograms[0]?.histogram).toEqual({
      layout: 'explicit',
      count: 2,
      sum: Number.NaN,
      min: Number.NaN,
      max: Number.NaN,
      bounds: [10],
      counts: [1, 1],
    });
    expect(c.series[c.histograms[0]?.series as number]?.kind).toBe('histogram-delta');
    expect(c.exemplars).toEqual([
      {
        series: 0,
        timestamp: T - 5,
        value: 7.5,
        traceId: '00112233445566778899aabbccddeeff',
        spanId: 'deadbeef00010203',
      },
    ]);
    expect(c.rejections[0]?.field).toBe(
      'resourceMetrics[0].scopeMetrics[0].metrics[0].histogram.dataPoints[1].bucketCounts',
    );
  });

  it('turns every kind of attribute value into text', () => {
    const c = decode(
      request((m) =>
        m.stringField(1, 'g').messageField(5, (g) =>
          g.messageField(1, (p) => {
            p.fixed64Field(3, ns(T)).doubleField(4, 1);
            kv(p, 7, 'b', (v) => v.varintField(2, 1));
            kv(p, 7, 'i', (v) => v.varintField(3, -3n));
            kv(p, 7, 'big', (v) => v.varintField(3, 9007199254740993n));
            kv(p, 7, 'd', (v) => v.doubleField(4, 0.25));
            kv(p, 7, 'arr', (v) =>
              v.messageField(5, (a) =>
                a.messageField(1, (x) => x.stringField(1, 'x')).messageField(1, (x) => x.varintField(3, 2)),
              ),
            );
            kv(p, 7, 'kv', (v) =>
              v.messageField(6, (l) => kv(l, 1, '__proto__', (x) => x.varintField(2, 0))),
            );
            kv(p, 7, 'raw', (v) => v.bytesField(7, [1, 2, 3]));
            kv(p, 7, 'empty', () => undefined);
          }),
        ),
      ),
    );
    expect(seriesOf(c, 0)?.labels).toEqual([
      'b',
      'true',
      'i',
      '-3',
      'big',
      '9007199254740993',
      'd',
      '0.25',
      'arr',
      '["x",2]',
      'kv',
      '{"__proto__":false}',
      'raw',
      'AQID',
    ]);
  });

  it.each([
    ['truncated', request((m) => m.stringField(1, 'abc')).subarray(0, 8)],
    ['a wrong wire type', new ProtobufWriter().tag(1, WIRE_VARINT).varint(3).finish()],
    ['an unknown wire type', Uint8Array.from([0x0f])],
  ])('throws ProtobufError on %s bytes', (_what, bytes) => {
    expect(() => decode(bytes)).toThrow(ProtobufError);
  });
});

describe('the OTLP JSON decoder', () => {
  const body = (
    metric: object,
    resource: object = { attributes: [{ key: 'service.name', value: { stringValue: 'svc' } }] },
  ) => ({
    resourceMetrics: [{ resource, scopeMetrics: [{ scope: { name: 'lib' }, metrics: [metric] }] }],
  });
  const decodeJson = (value: unknown): PointColumns => {
    const columns = new PointColumns();
    decodeMetricsJson(value, columns);
    return columns;
  };

  it('takes 64-bit integers as text or numbers, enum names, snake_case keys, and hex ids', () => {
    const c = decodeJson(
      body({
        name: 'c',
        sum: {
          aggregation_temporality: 'AGGREGATION_TEMPORALITY_CUMULATIVE',
          isMonotonic: true,
          dataPoints: [
            {
              startTimeUnixNano: String(ns(T - 1000)),
              time_unix_nano: Number(ns(T)),
              asInt: '42',
              attributes: [{ key: 'n', value: { intValue: '12' } }],
              exemplars: [
                {
                  timeUnixNano: String(ns(T)),
                  asDouble: 1,
                  traceId: 'ABCDEF0123456789ABCDEF0123456789',
                  spanId: '0123456789abcdef',
                },
              ],
            },
          ],
        },
      }),
    );
    expect(seriesOf(c, 0)).toMatchObject({
      service: 'svc',
      name: 'c',
      kind: 'cumulative',
      labels: ['n', '12'],
    });
    expect([c.timestampAt(0), c.valueAt(0), c.startAt(0)]).toEqual([T, 42, T - 1000]);
    expect(c.exemplars[0]).toMatchObject({
      traceId: 'abcdef0123456789abcdef0123456789',
      spanId: '0123456789abcdef',
    });
  });

  it('names the service unknown_service when the resource does not, and skips flagged points', () => {
    const c = decodeJson(
      body(
        {
          name: 'g',
          gauge: {
            dataPoints: [
              { timeUnixNano: '1', asDouble: 'NaN', flags: 1 },
              { timeUnixNano: '1', asDouble: 'Infinity' },
            ],
          },
        },
        {},
      ),
    );
    expect(c.pointCount).toBe(1);
    expect(seriesOf(c, 0)?.service).toBe('unknown_service');
    expect(c.valueAt(0)).toBe(Number.POSITIVE_INFINITY);
  });

  it.each([
    ['a body that is not an object', [], '$'],
    ['resourceMetrics not a list', { resourceMetrics: {} }, 'resourceMetrics'],
    [
      'a time that is not an integer',
      body({ name: 'g', gauge: { dataPoints: [{ timeUnixNano: '1.5', asDouble: 1 }] } }),
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].timeUnixNano',
    ],
    [
      'an id that is not hex',
      body({
        name: 'g',
        gauge: { dataPoints: [{ timeUnixNano: '1', asDouble: 1, exemplars: [{ traceId: 'xyz' }] }] },
      }),
      'resourceMetrics[0].scopeMetrics[0].metrics[0].gauge.dataPoints[0].exemplars[0].traceId',
    ],
  ])('refuses %s, naming the field', (_what, value, field) => {
    expect(() => decodeJson(value)).toThrow(OtlpJsonError);
    try {
      decodeJson(value);
    } catch (err) {
      expect((err as OtlpJsonError).field).toBe(field);
    }
  });
});

describe('name sanitizing', () => {
  it.each([
    ['http.server.duration', 'http.server.duration', 'http.server.duration'],
    ['k8s pod/name', 'k8s_pod_name', 'k8s_pod_name'],
    ['1st', '_1st', '_1st'],
    ['a-b:c', 'a_b:c', 'a-b_c'],
    ['', '_', '_'],
  ])('%s becomes the metric name %s and the tag key %s, which our patterns accept', (raw, name, key) => {
    expect(sanitizeMetricName(raw)).toBe(name);
    expect(sanitizeTagKey(raw)).toBe(key);
    expect(name).toMatch(METRIC_LIMITS.namePattern);
    expect(key).toMatch(METRIC_LIMITS.tagKeyPattern);
  });
});
