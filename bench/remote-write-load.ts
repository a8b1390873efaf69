import { compressSync } from 'snappy';
import { ProtoWriter } from '../test/support/remote-write-encoder.js';

/** The remote_write load: series, batch size, how many samples in all. */
export interface RemoteWriteShape {
  readonly series: number;
  readonly batch: number;
  readonly samples: number;
  readonly connections: number;
}

/** Bodies ready to send (snappy-compressed prometheus.WriteRequest) and what they hold. */
export interface RemoteWriteLoad {
  readonly bodies: readonly Buffer[];
  readonly samplesPerBody: readonly number[];
  readonly bytes: number;
  /** Time of the first and last samples. */
  readonly from: number;
  readonly to: number;
}

/**
 * A body's template: one TimeSeries per series with one sample, as Prometheus sends them, and
 * where each sample's value and timestamp lie, so that each round's body is the template with its
 * numbers written in (no re-encoding).
 */
interface Template {
  readonly bytes: Uint8Array;
  readonly valueAt: number[];
  readonly timestampAt: number[];
  readonly series: number[];
}

const TIMESTAMP_VARINT_BYTES = 6; // Epoch ms from 2001 to 2109 take six varint bytes.

/**
 * Every body of the run, encoded before the clock starts: `samples / series` rounds, each round
 * one sample of every series in batches of `batch`. Half the series are counters (`_total`, going
 * up by a per-series step each round), half gauges. Samples of successive rounds are 1 s apart and
 * end now, so each receiver takes them in order (Prometheus refuses out-of-order samples) and
 * inside Vantage's accepted window.
 */
export function buildRemoteWriteLoad(shape: RemoteWriteShape, now = Date.now()): RemoteWriteLoad {
  const rounds = Math.ceil(shape.samples / shape.series);
  const from = now - (rounds - 1) * 1000;
  const templates: Template[] = [];
  for (let start = 0; start < shape.series; start += shape.batch) {
    templates.push(template(start, Math.min(shape.series, start + shape.batch), from));
  }
  const bodies: Buffer[] = [];
  const samplesPerBody: number[] = [];
  let bytes = 0;
  for (let round = 0; round < rounds; round++) {
    const timestamp = from + round * 1000;
    for (const t of templates) {
      const body = Buffer.from(t.bytes);
      const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
      for (let i = 0; i < t.series.length; i++) {
        const s = t.series[i] as number;
        const value = s % 2 === 0 ? round * (1 + (s % 7)) : Math.round(1000 * Math.sin(round + s)) / 10;
        view.setFloat64(t.valueAt[i] as number, value, true);
        writeVarint6(body, t.timestampAt[i] as number, timestamp);
      }
      const compressed = compressSync(body);
      bodies.push(compressed);
      samplesPerBody.push(t.series.length);
      bytes += compressed.length;
    }
  }
  return { bodies, samplesPerBody, bytes, from, to: from + (rounds - 1) * 1000 };
}

function template(first: number, end: number, timestamp: number): Template {
  const w = new ProtoWriter();
  const valueAt: number[] = [];
  const timestampAt: number[] = [];
  const series: number[] = [];
  let offset = 0;
  for (let s = first; s < end; s++) {
    const ts = new ProtoWriter();
    const labels: [string, string][] = [
      ['__name__', s % 2 === 0 ? 'http_requests_total' : 'memory_usage_bytes'],
      ['host', `host-${s % 500}`],
      ['instance', `10.1.${(s >> 8) & 255}.${s & 255}:9100`],
      ['job', `svc-${s % 10}`],
      ['region', `r${s % 4}`],
      ['series', String(s)],
    ];
    for (const [k, v] of labels) ts.message(1, (l) => l.string(1, k).string(2, v));
    const sample = new ProtoWriter().double(1, 0).int64(2, timestamp).bytes();
    if (sample.length !== 1 + 8 + 1 + TIMESTAMP_VARINT_BYTES) throw new Error('unexpected sample size');
    ts.bytesField(2, sample);
    const tsBytes = ts.bytes();
    // Offsets inside the request: TimeSeries tag + length, then the sample's tag + length.
    const seriesHeader = new ProtoWriter().tag(1, 2).varint(tsBytes.length).bytes().length;
    const sampleStart = offset + seriesHeader + tsBytes.length - sample.length;
    offset += seriesHeader + tsBytes.length;
    valueAt.push(sampleStart + 1);
    timestampAt.push(sampleStart + 1 + 8 + 1);
    series.push(s);
    w.bytesField(1, tsBytes);
  }
  return { bytes: w.bytes(), valueAt, timestampAt, series };
}

function writeVarint6(buf: Uint8Array, at: number, value: number): void {
  let v = value;
  for (let i = 0; i < TIMESTAMP_VARINT_BYTES; i++) {
    const b = v % 128;
    v = Math.floor(v / 128);
    buf[at + i] = i < TIMESTAMP_VARINT_BYTES - 1 ? b | 0x80 : b;
  }
  if (v !== 0) throw new Error('timestamp does not fit six varint bytes');
}
