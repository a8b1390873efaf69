import { describe, expect, it } from 'vitest';
import { PointColumns, ProtobufError } from '../../core/index.js';
import { encodeWriteRequestV1, ProtoWriter } from '../../../test/support/remote-write-encoder.js';
import { LabelCache } from './label-cache.js';
import { decodeWriteRequestV1 } from './write-request-v1.js';

const T = 1_700_000_000_000;

function decode(bytes: Uint8Array): {
  columns: PointColumns;
  counts: ReturnType<typeof decodeWriteRequestV1>;
} {
  const columns = new PointColumns();
  return { columns, counts: decodeWriteRequestV1(bytes, columns) };
}

function points(columns: PointColumns): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let i = 0; i < columns.pointCount; i++)
    out.push([columns.seriesAt(i), columns.timestampAt(i), columns.valueAt(i)]);
  return out;
}

/** A NaN with Prometheus' staleness bits, 0x7ff0000000000002. */
const STALE_NAN = new Float64Array(new BigUint64Array([0x7ff0000000000002n]).buffer)[0] as number;

describe('remote_write 1.0 (prometheus.WriteRequest)', () => {
  it('maps labels to service, name and tags, and samples to points without losing any', () => {
    const { columns, counts } = decode(
      encodeWriteRequestV1([
        {
          labels: [
            ['__name__', 'http_requests_total'],
            ['code', '200'],
            ['instance', 'web-1:9100'],
            ['job', 'checkout'],
          ],
          samples: [
            { value: 10, timestamp: T },
            { value: 12.5, timestamp: T + 15_000 },
          ],
        },
        { labels: [['__name__', 'temperature_celsius']], samples: [{ value: -3.25, timestamp: T }] },
      ]),
    );
    expect(columns.series).toEqual([
      {
        service: 'checkout',
        name: 'http_requests_total',
        kind: 'cumulative',
        labels: ['code', '200', 'instance', 'web-1:9100'],
        field: 'timeseries[0]',
        reused: true,
      },
      {
        service: 'prometheus',
        name: 'temperature_celsius',
        kind: 'gauge',
        labels: [],
        field: 'timeseries[1]',
        reused: true,
      },
    ]);
    expect(points(columns)).toEqual([
      [0, T, 10],
      [0, T + 15_000, 12.5],
      [1, T, -3.25],
    ]);
    expect(counts).toEqual({ samples: 3, histograms: 0, exemplars: 0, staleMarkers: 0 });
  });

  it('takes _total, _count, _sum and _bucket as running totals when no metadata says otherwise', () => {
    const names = ['a_total', 'b_count', 'c_sum', 'd_bucket', 'e_seconds', 'total_f'];
    const { columns } = decode(
      encodeWriteRequestV1(
        names.map((n) => ({ labels: [['__name__', n]], samples: [{ value: 1, timestamp: T }] })),
      ),
    );
    expect(columns.series.map((s) => [s.name, s.kind])).toEqual([
      ['a_total', 'cumulative'],
      ['b_count', 'cumulative'],
      ['c_sum', 'cumulative'],
      ['d_bucket', 'cumulative'],
      ['e_seconds', 'gauge'],
      ['total_f', 'gauge'],
    ]);
  });

  it('lets the request metadata decide the type, by family name (metadata after the series on the wire)', () => {
    const { columns } = decode(
      encodeWriteRequestV1(
        [
          { labels: [['__name__', 'queue_total']], samples: [{ value: 4, timestamp: T }] },
          { labels: [['__name__', 'restarts']], samples: [{ value: 2, timestamp: T }] },
          { labels: [['__name__', 'rpc_seconds']], samples: [{ value: 0.2, timestamp: T }] },
          { labels: [['__name__', 'rpc_seconds_count']], samples: [{ value: 9, timestamp: T }] },
        ],
        [
          { type: 2, family: 'queue_total' }, // a gauge whatever its name
          { type: 1, family: 'restarts' },
          { type: 5, family: 'rpc_seconds' }, // a summary: quantiles are gauges, _count a total
        ],
      ),
    );
    expect(columns.series.map((s) => s.kind)).toEqual(['gauge', 'cumulative', 'gauge', 'cumulative']);
  });

  it('drops empty labels, renames what our names refuse, and refuses a series without a name', () => {
    const { columns } = decode(
      encodeWriteRequestV1([
        {
          labels: [
            ['__name__', ':node:cpu-rate'],
            ['empty', ''],
            ['zone', 'eu'],
          ],
          samples: [{ value: 1, timestamp: T }],
        },
        {
          labels: [['job', 'x']],
          samples: [
            { value: 1, timestamp: T },
            { value: 2, timestamp: T + 1 },
          ],
        },
      ]),
    );
    expect(columns.series).toHaveLength(1);
    expect(columns.series[0]).toMatchObject({ name: '_node:cpu_rate', labels: ['zone', 'eu'] });
    expect(columns.rejectedPoints).toBe(2);
    expect(columns.rejections).toEqual([
      {
        code: 'VTG_INGEST_INVALID_SAMPLE',
        field: 'timeseries[1].labels',
        message: 'The series has no __name__ label',
      },
    ]);
  });

  it('skips staleness markers silently but keeps other NaNs for the pipeline to refuse', () => {
    const { columns, counts } = decode(
      encodeWriteRequestV1([
        {
          labels: [['__name__', 'up']],
          samples: [
            { value: 1, timestamp: T },
            { value: STALE_NAN, timestamp: T + 1 },
            { value: Number.NaN, timestamp: T + 2 },
          ],
        },
      ]),
    );
    expect(columns.pointCount).toBe(2);
    expect(Number.isNaN(columns.valueAt(1))).toBe(true);
    expect(counts.staleMarkers).toBe(1);
    expect(columns.rejectedPoints).toBe(0);
  });

  it('keeps exemplars with their trace and span ids as lower-case hex', () => {
    const { columns, counts } = decode(
      encodeWriteRequestV1([
        {
          labels: [['__name__', 'latency_seconds_bucket']],
          samples: [{ value: 3, timestamp: T }],
          exemplars: [
            {
              labels: { trace_id: 'ABCDEF0123456789', span_id: '00f067aa0ba902b7' },
              value: 0.31,
              timestamp: T,
            },
          ],
        },
      ]),
    );
    expect(counts.exemplars).toBe(1);
    expect(columns.exemplars).toEqual([
      { series: 0, timestamp: T, value: 0.31, traceId: 'abcdef0123456789', spanId: '00f067aa0ba902b7' },
    ]);
  });

  it('reads native histograms (integer deltas) as exponential histograms, shifted to OTLP bucket indices', () => {
    const { columns } = decode(
      encodeWriteRequestV1([
        {
          labels: [['__name__', 'rpc_duration_seconds']],
          histograms: [
            {
              count: 7,
              sum: 3.5,
              schema: 0,
              zeroThreshold: 1e-128,
              zeroCount: 1,
              // Buckets 1..2, then 5: counts 2, 3, 1 sent as deltas 2, +1, -2.
              positiveSpans: [
                [1, 2],
                [2, 1],
              ],
              positiveDeltas: [2, 1, -2],
              timestamp: T,
            },
          ],
        },
      ]),
    );
    expect(columns.series[0]?.kind).toBe('histogram-cumulative');
    expect(columns.histograms[0]).toMatchObject({
      series: 0,
      timestamp: T,
      histogram: {
        layout: 'exponential',
        count: 7,
        sum: 3.5,
        scale: 0,
        zeroCount: 1,
        positiveOffset: 0,
        positive: [2, 3, 0, 0, 1],
        negative: [],
      },
    });
  });

  it('throws ProtobufError at every truncation of a valid request, never reading past it', () => {
    const bytes = encodeWriteRequestV1([
      {
        labels: [
          ['__name__', 'x_total'],
          ['job', 'j'],
        ],
        samples: [{ value: 1, timestamp: T }],
      },
    ]);
    for (let cut = 1; cut < bytes.length; cut++) {
      expect(() => decode(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(ProtobufError);
    }
  });

  it('throws ProtobufError for a length that runs past its message and for a wrong wire type', () => {
    // A TimeSeries of 3 bytes whose label claims 5, reaching into the next TimeSeries.
    const next = encodeWriteRequestV1([
      { labels: [['__name__', 'up']], samples: [{ value: 1, timestamp: T }] },
    ]);
    const overrun = new ProtoWriter().tag(1, 2).varint(3).tag(1, 2).varint(5).raw([0]).raw(next).bytes();
    expect(() => decode(overrun)).toThrow(ProtobufError);
    // timeseries sent as a varint.
    expect(() => decode(new ProtoWriter().int64(1, 5).bytes())).toThrow(/wire type 0/);
  });

  it('gives the same series from the label cache as from decoding, with the kinds of each request', () => {
    const cache = new LabelCache();
    const series = [
      {
        labels: [
          ['__name__', 'jobs_total'],
          ['job', 'a'],
          ['zone', 'x'],
        ] as [string, string][],
        samples: [{ value: 1, timestamp: T }],
      },
      { labels: [['__name__', 'noname_here']] as [string, string][], samples: [{ value: 1, timestamp: T }] },
      { labels: [['job', 'nameless']] as [string, string][], samples: [{ value: 1, timestamp: T }] },
    ];
    const plain = new PointColumns();
    decodeWriteRequestV1(encodeWriteRequestV1(series), plain);
    for (let round = 0; round < 2; round++) {
      const cached = new PointColumns();
      decodeWriteRequestV1(encodeWriteRequestV1(series), cached, cache);
      expect(cached.series).toEqual(plain.series);
      expect(cached.rejections).toEqual(plain.rejections);
    }
    expect(cache.size).toBe(3);
    // Metadata in a later request changes the kind, not the cached names.
    const typed = new PointColumns();
    decodeWriteRequestV1(encodeWriteRequestV1(series, [{ type: 2, family: 'jobs_total' }]), typed, cache);
    expect(typed.series[0]).toMatchObject({ name: 'jobs_total', kind: 'gauge', labels: ['zone', 'x'] });
  });

  it('keeps at most two generations in the label cache', () => {
    const cache = new LabelCache(2_000);
    const names = { service: 's', name: 'n', rawName: 'n', tags: [] };
    for (let i = 0; i < 100; i++) cache.set(`key-${i}`, names);
    expect(cache.size).toBeLessThan(30);
    expect(cache.get('key-99')).toBe(names);
    expect(cache.get('key-0')).toBeUndefined();
  });
});
