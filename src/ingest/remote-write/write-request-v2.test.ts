import { describe, expect, it } from 'vitest';
import { PointColumns, ProtobufError, VantageError } from '../../core/index.js';
import { encodeRequestV2, ProtoWriter } from '../../../test/support/remote-write-encoder.js';
import { MAX_DENSE_BUCKETS } from './native-histogram.js';
import { decodeRequestV2 } from './write-request-v2.js';

const T = 1_700_000_000_000;

function decode(bytes: Uint8Array): { columns: PointColumns; counts: ReturnType<typeof decodeRequestV2> } {
  const columns = new PointColumns();
  return { columns, counts: decodeRequestV2(bytes, columns) };
}

describe('remote_write 2.0 (io.prometheus.write.v2.Request)', () => {
  it('resolves labels through the symbols table and takes the type from metadata, the start from created_timestamp', () => {
    const { columns, counts } = decode(
      encodeRequestV2([
        {
          labels: [
            ['__name__', 'jobs_processed'],
            ['instance', 'w1'],
            ['job', 'batch'],
          ],
          type: 1, // counter, though its name does not say so
          created: T - 60_000,
          samples: [{ value: 42, timestamp: T }],
        },
        {
          labels: [
            ['__name__', 'queue_depth'],
            ['instance', 'w1'],
            ['job', 'batch'],
          ],
          type: 2,
          samples: [{ value: 7, timestamp: T }],
        },
      ]),
    );
    expect(columns.series).toEqual([
      {
        service: 'batch',
        name: 'jobs_processed',
        kind: 'cumulative',
        labels: ['instance', 'w1'],
        field: 'timeseries[0]',
        reused: false,
      },
      {
        service: 'batch',
        name: 'queue_depth',
        kind: 'gauge',
        labels: ['instance', 'w1'],
        field: 'timeseries[1]',
        reused: false,
      },
    ]);
    expect([columns.valueAt(0), columns.timestampAt(0), columns.startAt(0)]).toEqual([42, T, T - 60_000]);
    // created_timestamp 0 (unset) is no start.
    expect(Number.isNaN(columns.startAt(1))).toBe(true);
    expect(counts).toEqual({ samples: 2, histograms: 0, exemplars: 0, staleMarkers: 0 });
  });

  it('keeps exemplars, whose labels are references too', () => {
    const { columns } = decode(
      encodeRequestV2([
        {
          labels: [['__name__', 'req_total']],
          type: 1,
          samples: [{ value: 1, timestamp: T }],
          exemplars: [{ labels: { trace_id: '4BF92F3577B34DA6A3CE929D0E0E4736' }, value: 1, timestamp: T }],
        },
      ]),
    );
    expect(columns.exemplars).toEqual([
      { series: 0, timestamp: T, value: 1, traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '' },
    ]);
  });

  it('reads float native histograms, gauge histograms, and custom buckets (schema -53) as explicit bounds', () => {
    const { columns } = decode(
      encodeRequestV2([
        {
          labels: [['__name__', 'size_bytes']],
          type: 3,
          created: T - 1000,
          histograms: [
            {
              count: 4.5,
              sum: 10,
              schema: 2,
              positiveSpans: [[-1, 2]],
              positiveCounts: [1.5, 3],
              timestamp: T,
            },
          ],
        },
        {
          labels: [['__name__', 'in_flight']],
          type: 4,
          histograms: [
            { count: 2, sum: 1, schema: 0, positiveSpans: [[0, 1]], positiveDeltas: [2], timestamp: T },
          ],
        },
        {
          labels: [['__name__', 'latency_seconds']],
          type: 3,
          histograms: [
            {
              count: 6,
              sum: 2,
              schema: -53,
              customValues: [0.1, 0.5, 1],
              // Buckets 1 ((0.1, 0.5]) and 3 (+Inf).
              positiveSpans: [
                [1, 1],
                [1, 1],
              ],
              positiveDeltas: [4, -2],
              timestamp: T,
            },
          ],
        },
      ]),
    );
    expect(columns.series.map((s) => s.kind)).toEqual([
      'histogram-cumulative',
      'histogram-delta',
      'histogram-cumulative',
    ]);
    expect(columns.histograms[0]).toMatchObject({
      start: T - 1000,
      histogram: { layout: 'exponential', count: 4.5, scale: 2, positiveOffset: -2, positive: [1.5, 3] },
    });
    expect(columns.histograms[2]?.histogram).toEqual({
      layout: 'explicit',
      count: 6,
      sum: 2,
      min: Number.NaN,
      max: Number.NaN,
      bounds: [0.1, 0.5, 1],
      counts: [0, 4, 0, 2],
    });
  });

  it('refuses (as rejections, not a 400) histograms it cannot lay out', () => {
    const { columns } = decode(
      encodeRequestV2([
        {
          labels: [['__name__', 'a']],
          histograms: [
            { count: 1, sum: 1, schema: 9, positiveSpans: [[0, 1]], positiveDeltas: [1], timestamp: T },
          ],
        },
        {
          labels: [['__name__', 'b']],
          histograms: [
            {
              count: 2,
              sum: 1,
              schema: 0,
              positiveSpans: [
                [0, 1],
                [MAX_DENSE_BUCKETS, 1],
              ],
              positiveDeltas: [1, 0],
              timestamp: T,
            },
          ],
        },
        {
          labels: [['__name__', 'c']],
          histograms: [
            { count: 1, sum: 1, schema: 0, positiveSpans: [[0, 2]], positiveDeltas: [1], timestamp: T },
          ],
        },
      ]),
    );
    expect(columns.histograms).toHaveLength(0);
    expect(columns.rejections.map((r) => [r.field, r.message])).toEqual([
      ['timeseries[0].histograms[0]', 'schema 9 is not one of -4..8 or -53'],
      [
        'timeseries[1].histograms[0]',
        `positive buckets: the spans stretch over ${MAX_DENSE_BUCKETS + 2} buckets, more than ${MAX_DENSE_BUCKETS}`,
      ],
      ['timeseries[2].histograms[0]', 'positive buckets: the spans cover 2 buckets but 1 counts were sent'],
    ]);
  });

  it('answers a reference outside the symbols table with VTG_REMOTE_WRITE_UNDECODABLE naming the field', () => {
    const bytes = new ProtoWriter()
      .string(4, '')
      .string(4, '__name__')
      .message(5, (ts) => ts.packedVarints(1, [1, 7]).message(2, (s) => s.double(1, 1).int64(2, T)))
      .bytes();
    const err = (() => {
      try {
        decode(bytes);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(err).toBeInstanceOf(VantageError);
    expect(err).toMatchObject({ code: 'VTG_REMOTE_WRITE_UNDECODABLE', field: 'timeseries[0].labels_refs' });
  });

  it('reads a 1.0 message sent as 2.0 as empty (fields 1-3 are reserved for that) and throws at every truncation', () => {
    const v1 = new ProtoWriter()
      .message(1, (ts) => ts.message(1, (l) => l.string(1, '__name__').string(2, 'x')))
      .bytes();
    const { columns } = decode(v1);
    expect(columns.series).toHaveLength(0);
    const bytes = encodeRequestV2([
      { labels: [['__name__', 'x']], type: 2, samples: [{ value: 1, timestamp: T }] },
    ]);
    // A cut between two symbols is a valid (shorter) message; every cut inside the series is not.
    const series = bytes.indexOf((5 << 3) + 2);
    for (let cut = series + 1; cut < bytes.length; cut++) {
      expect(() => decode(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(ProtobufError);
    }
  });
});
