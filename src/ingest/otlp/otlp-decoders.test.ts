import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ValueType } from '@opentelemetry/api';
import { PointColumns } from '../../core/index.js';
import type { HistogramPoint, PointSeries } from '../../core/index.js';
import { captureExport, sdkMeter } from '../../../test/support/otlp-sdk.js';
import { decodeMetricsJson } from './otlp-json-decoder.js';
import { decodeMetricsProtobuf } from './otlp-protobuf-decoder.js';

/** What a decoder produced, as plain data keyed by series (`service name kind labels...`). */
interface Decoded {
  readonly points: Record<string, { timestamp: number; value: number; start: number }[]>;
  readonly histograms: Record<string, { timestamp: number; start: number; histogram: HistogramPoint }[]>;
  readonly series: PointSeries[];
}

const keyOf = (s: PointSeries): string => {
  const pairs: string[] = [];
  for (let i = 0; i < s.labels.length; i += 2) pairs.push(`${s.labels[i]}=${s.labels[i + 1]}`);
  return `${s.service} ${s.name} ${s.kind} ${pairs.sort().join(',')}`;
};

function decoded(columns: PointColumns): Decoded {
  const points: Decoded['points'] = {};
  for (let i = 0; i < columns.pointCount; i++) {
    const key = keyOf(columns.series[columns.seriesAt(i)] as PointSeries);
    (points[key] ??= []).push({
      timestamp: columns.timestampAt(i),
      value: columns.valueAt(i),
      start: columns.startAt(i),
    });
  }
  const histograms: Decoded['histograms'] = {};
  for (const h of columns.histograms) {
    const key = keyOf(columns.series[h.series] as PointSeries);
    (histograms[key] ??= []).push({ timestamp: h.timestamp, start: h.start, histogram: h.histogram });
  }
  return { points, histograms, series: columns.series };
}

const RESOURCE = { 'service.name': 'checkout', 'deployment.environment': 'prod', 'k8s pod': 'pod-7' };
const TAGS = 'deployment.environment=prod,k8s_pod=pod-7';

describe('the OTLP decoders, on what the OpenTelemetry JS SDK sends', () => {
  const sdk = sdkMeter(RESOURCE, { exponential: ['payload.size'] });
  let before = 0;
  let after = 0;
  let proto: Decoded;
  let json: Decoded;
  let gzipped: Decoded;

  beforeAll(async () => {
    const { meter } = sdk;
    before = Date.now();
    const requests = meter.createCounter('http.server.requests', { valueType: ValueType.INT });
    requests.add(3, { route: '/a' });
    requests.add(4, { route: '/a' });
    requests.add(1, { route: '/b', 'deployment.environment': 'canary' });
    const depth = meter.createUpDownCounter('queue.depth');
    depth.add(5);
    depth.add(-2);
    meter.createGauge('cpu temperature').record(41.5, { core: 0 });
    const latency = meter.createHistogram('latency', { advice: { explicitBucketBoundaries: [10, 100] } });
    for (const v of [5, 50, 500]) latency.record(v);
    const size = meter.createHistogram('payload.size');
    for (const v of [1, 2, 4, 1000]) size.record(v);
    const metrics = await sdk.collect();
    after = Date.now();
    const p = new PointColumns();
    const pb = await captureExport('protobuf', metrics);
    expect(pb.contentType).toBe('application/x-protobuf');
    decodeMetricsProtobuf(pb.body, p);
    proto = decoded(p);
    const j = new PointColumns();
    const js = await captureExport('json', metrics);
    expect(js.contentType).toBe('application/json');
    decodeMetricsJson(JSON.parse(js.body.toString('utf8')), j);
    json = decoded(j);
    const g = new PointColumns();
    const gz = await captureExport('protobuf', metrics, true);
    expect(gz.contentEncoding).toBe('gzip');
    decodeMetricsProtobuf(gz.body, g);
    gzipped = decoded(g);
  });
  afterAll(() => sdk.shutdown());

  it('reads counters as cumulative running totals, tags from point and resource attributes', () => {
    const a = proto.points[`checkout http.server.requests cumulative ${TAGS},route=/a`];
    expect(a).toHaveLength(1);
    expect(a?.[0]?.value).toBe(7);
    expect(a?.[0]?.timestamp).toBeGreaterThanOrEqual(before);
    expect(a?.[0]?.timestamp).toBeLessThanOrEqual(after);
    // Whole milliseconds: the store refuses fractions.
    expect(Number.isInteger(a?.[0]?.timestamp) && Number.isInteger(a?.[0]?.start)).toBe(true);
    // The SDK's start time: when the instrument first counted, before the point.
    expect(a?.[0]?.start).toBeLessThanOrEqual(a?.[0]?.timestamp as number);
    expect(a?.[0]?.start).toBeGreaterThan(before - 60_000);
    // A point attribute wins over the resource's of the same key.
    const b =
      proto.points[
        `checkout http.server.requests cumulative deployment.environment=canary,k8s_pod=pod-7,route=/b`
      ];
    expect(b?.[0]?.value).toBe(1);
  });

  it('reads up-down counters and gauges as gauges; names and keys our patterns refuse get _', () => {
    expect(proto.points[`checkout queue.depth gauge ${TAGS}`]?.[0]?.value).toBe(3);
    expect(proto.points[`checkout cpu_temperature gauge core=0,${TAGS}`]?.[0]?.value).toBe(41.5);
  });

  it('reads explicit and exponential histograms whole', () => {
    const latency = proto.histograms[`checkout latency histogram-cumulative ${TAGS}`]?.[0]?.histogram;
    expect(latency).toEqual({
      layout: 'explicit',
      count: 3,
      sum: 555,
      min: 5,
      max: 500,
      bounds: [10, 100],
      counts: [1, 1, 1],
    });
    const size = proto.histograms[`checkout payload.size histogram-cumulative ${TAGS}`]?.[0]?.histogram;
    expect(size?.layout).toBe('exponential');
    if (size?.layout !== 'exponential') return;
    expect([size.count, size.sum, size.min, size.max, size.zeroCount]).toEqual([4, 1007, 1, 1000, 0]);
    expect(size.positive.reduce((a, b) => a + b, 0)).toBe(4);
    expect(size.negative).toEqual([]);
    // Each value lies in its bucket: (base^(offset+i), base^(offset+i+1)].
    const base = 2 ** (2 ** -size.scale);
    const lowest = size.positive.findIndex((n) => n > 0) + size.positiveOffset;
    expect(base ** lowest).toBeLessThan(1);
    expect(base ** (lowest + 1)).toBeGreaterThanOrEqual(1);
  });

  it('gives the same series and values from protobuf, gzipped protobuf and JSON', () => {
    expect(Object.keys(proto.points).length + Object.keys(proto.histograms).length).toBe(6);
    expect(json).toEqual(proto);
    expect(gzipped).toEqual(proto);
  });
});
