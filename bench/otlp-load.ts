import { gzipSync } from 'node:zlib';
import { ProtobufWriter } from '../src/core/index.js';
import type { RemoteWriteLoad, RemoteWriteShape } from './remote-write-load.js';

/*
 * The OTLP/HTTP twin of remote-write-load.ts: the same series (half cumulative counters
 * `http_requests_total`, half gauges `memory_usage_bytes`), the same values and timestamps, the
 * same samples per body, as opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest.
 * What is a label in remote_write is where OTLP puts it: `job` becomes the resource's
 * `service.name`, the other labels point attributes. A body holds one ResourceMetrics per service
 * and one metric per service and kind with all its points, as an SDK or a Collector batches them.
 */

/** Encoded bytes and where each point's time and value lie in them, with the point's series. */
interface Encoded {
  readonly bytes: Uint8Array;
  readonly timeAt: number[];
  readonly valueAt: number[];
  readonly series: number[];
}

const NANOS_PER_MS = 1_000_000n;

function concat(parts: readonly Encoded[]): Encoded {
  const bytes = new Uint8Array(parts.reduce((n, p) => n + p.bytes.length, 0));
  const out: Encoded = { bytes, timeAt: [], valueAt: [], series: [] };
  let at = 0;
  for (const p of parts) {
    bytes.set(p.bytes, at);
    for (let i = 0; i < p.series.length; i++) {
      out.timeAt.push(at + (p.timeAt[i] as number));
      out.valueAt.push(at + (p.valueAt[i] as number));
      out.series.push(p.series[i] as number);
    }
    at += p.bytes.length;
  }
  return out;
}

const plain = (bytes: Uint8Array): Encoded => ({ bytes, timeAt: [], valueAt: [], series: [] });

/** `inner` as a length-delimited field `field`: its offsets move by the header's length. */
function nest(field: number, inner: Encoded): Encoded {
  const header = new ProtobufWriter().tag(field, 2).varint(inner.bytes.length).finish();
  return concat([plain(header), inner]);
}

const attribute = (key: string, value: string): Uint8Array =>
  new ProtobufWriter()
    .messageField(7, (kv) => kv.stringField(1, key).messageField(2, (v) => v.stringField(1, value)))
    .finish();

/** NumberDataPoint: attributes 7, start_time_unix_nano 2, time_unix_nano 3, as_double 4. */
function point(s: number, start: bigint | undefined): Encoded {
  const attrs = [
    attribute('host', `host-${s % 500}`),
    attribute('instance', `10.1.${(s >> 8) & 255}.${s & 255}:9100`),
    attribute('region', `r${s % 4}`),
    attribute('series', String(s)),
  ];
  const w = new ProtobufWriter();
  for (const a of attrs) w.raw(a);
  const attrsLength = attrs.reduce((n, a) => n + a.length, 0);
  const startLength = start === undefined ? 0 : 9;
  if (start !== undefined) w.fixed64Field(2, start);
  w.fixed64Field(3, 0n).doubleField(4, 0);
  return {
    bytes: w.finish(),
    timeAt: [attrsLength + startLength + 1],
    valueAt: [attrsLength + startLength + 10],
    series: [s],
  };
}

/** One service's points of one kind: a Metric with a monotonic cumulative Sum, or a Gauge. */
function metric(series: number[], counter: boolean, start: bigint): Encoded {
  const points = concat(series.map((s) => nest(1, point(s, counter ? start : undefined))));
  // Sum: aggregation_temporality 2 = CUMULATIVE, is_monotonic 3.
  const data = counter
    ? concat([points, plain(new ProtobufWriter().varintField(2, 2).varintField(3, 1).finish())])
    : points;
  const name = new ProtobufWriter().stringField(1, counter ? 'http_requests_total' : 'memory_usage_bytes');
  return concat([plain(name.finish()), nest(counter ? 7 : 5, data)]);
}

/** The body of series [first, end): ResourceMetrics per service, each one ScopeMetrics. */
function template(first: number, end: number, start: bigint): Encoded {
  const byService = new Map<number, number[]>();
  for (let s = first; s < end; s++) {
    const list = byService.get(s % 10) ?? [];
    list.push(s);
    byService.set(s % 10, list);
  }
  const resources: Encoded[] = [];
  for (const [svc, series] of byService) {
    const resource = new ProtobufWriter().messageField(1, (r) =>
      r.messageField(1, (kv) =>
        kv.stringField(1, 'service.name').messageField(2, (v) => v.stringField(1, `svc-${svc}`)),
      ),
    );
    const scope = new ProtobufWriter().messageField(1, (sc) => sc.stringField(1, 'vantage-bench'));
    const counters = series.filter((s) => s % 2 === 0);
    const gauges = series.filter((s) => s % 2 === 1);
    const metrics: Encoded[] = [plain(scope.finish())];
    if (counters.length > 0) metrics.push(nest(2, metric(counters, true, start)));
    if (gauges.length > 0) metrics.push(nest(2, metric(gauges, false, start)));
    resources.push(nest(1, concat([plain(resource.finish()), nest(2, concat(metrics))])));
  }
  return concat(resources);
}

/**
 * Every body of the run, encoded before the clock starts, sample for sample the remote_write
 * load's (buildRemoteWriteLoad with the same `now`): values and times written into a template per
 * batch. `gzip` compresses each body, as the OpenTelemetry Collector's otlphttp exporter does by
 * default (the SDKs send them plain by default).
 */
export function buildOtlpLoad(shape: RemoteWriteShape, gzip: boolean, now = Date.now()): RemoteWriteLoad {
  const rounds = Math.ceil(shape.samples / shape.series);
  const from = now - (rounds - 1) * 1000;
  // Counters started a minute before the first sample, as a process that had been running.
  const start = BigInt(from - 60_000) * NANOS_PER_MS;
  const templates: Encoded[] = [];
  for (let first = 0; first < shape.series; first += shape.batch) {
    templates.push(template(first, Math.min(shape.series, first + shape.batch), start));
  }
  const bodies: Buffer[] = [];
  const samplesPerBody: number[] = [];
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    const timestamp = BigInt(from + round * 1000) * NANOS_PER_MS;
    for (const t of templates) {
      const body = Buffer.from(t.bytes);
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      for (let i = 0; i < t.series.length; i++) {
        const s = t.series[i] as number;
        const value = s % 2 === 0 ? round * (1 + (s % 7)) : Math.round(1000 * Math.sin(round + s)) / 10;
        view.setFloat64(t.valueAt[i] as number, value, true);
        view.setBigUint64(t.timeAt[i] as number, timestamp, true);
      }
      const sent = gzip ? gzipSync(body) : body;
      bodies.push(sent);
      samplesPerBody.push(t.series.length);
      bytes += sent.length;
    }
  }
  return { bodies, samplesPerBody, bytes, from, to: from + (rounds - 1) * 1000 };
}
