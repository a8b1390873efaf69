import {
  ProtobufReader,
  VantageError,
  WIRE_FIXED64,
  WIRE_LENGTH_DELIMITED,
  WIRE_VARINT,
} from '../../core/index.js';
import type { PointColumns, SeriesKind } from '../../core/index.js';
import { addExemplar, PROM_TYPE, prometheusKind, prometheusNames } from './prometheus-series.js';
import { addSeriesPoints } from './series-points.js';
import { enter, leave, readString } from './wire.js';
import type { DecodedCounts } from './series-points.js';

// Field numbers of io.prometheus.write.v2.Request (prompb/io/prometheus/write/v2/types.proto; 1-3
// are reserved there so that a 1.0 message read as 2.0 decodes as empty, not as nonsense).
const REQUEST_SYMBOLS = 4;
const REQUEST_TIMESERIES = 5;
const SERIES_LABELS_REFS = 1;
const SERIES_SAMPLES = 2;
const SERIES_HISTOGRAMS = 3;
const SERIES_EXEMPLARS = 4;
const SERIES_METADATA = 5;
const SERIES_CREATED = 6;

/**
 * Decodes a remote_write 2.0 `io.prometheus.write.v2.Request` into `columns`. Every string is in
 * the symbols table, decoded once per request; a series names its labels by index into it, and
 * carries its metric type (metadata) and created timestamp, which becomes its points' start (0 is
 * "unset" in the protocol). Throws ProtobufError on bytes that are not the message, and
 * VTG_REMOTE_WRITE_UNDECODABLE for a reference outside the symbols table.
 */
export function decodeRequestV2(body: Uint8Array, columns: PointColumns): DecodedCounts {
  const r = new ProtobufReader(body);
  const symbols: string[] = [];
  const series: number[] = [];
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === REQUEST_SYMBOLS) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      symbols.push(readString(r));
    } else if (field === REQUEST_TIMESERIES) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const end = enter(r);
      series.push(r.at, end);
      r.at = end;
    } else r.skip(tag & 7);
  }
  const counts: DecodedCounts = { samples: 0, histograms: 0, exemplars: 0, staleMarkers: 0 };
  const s = new SeriesV2();
  for (let i = 0; i < series.length; i += 2) {
    r.at = series[i] as number;
    s.read(r, series[i + 1] as number);
    addSeries(r, s, i / 2, symbols, columns, counts);
  }
  return counts;
}

/** One TimeSeries as read: its references and where its points are; reused for the next. */
class SeriesV2 {
  readonly refs: number[] = [];
  readonly samples: number[] = [];
  readonly histograms: number[] = [];
  readonly exemplars: number[] = [];
  type = PROM_TYPE.unknown as number;
  created = 0;

  read(r: ProtobufReader, end: number): void {
    this.refs.length = 0;
    this.samples.length = 0;
    this.histograms.length = 0;
    this.exemplars.length = 0;
    this.type = PROM_TYPE.unknown;
    this.created = 0;
    while (r.at < end) {
      const tag = r.tag();
      const wire = tag & 7;
      switch (tag >>> 3) {
        case SERIES_LABELS_REFS:
          r.packedVarints(wire, this.refs);
          break;
        case SERIES_SAMPLES:
        case SERIES_HISTOGRAMS:
        case SERIES_EXEMPLARS: {
          r.expectWire(tag, WIRE_LENGTH_DELIMITED);
          const fieldEnd = enter(r);
          const field = tag >>> 3;
          const into =
            field === SERIES_SAMPLES
              ? this.samples
              : field === SERIES_HISTOGRAMS
                ? this.histograms
                : this.exemplars;
          into.push(r.at, fieldEnd);
          r.at = fieldEnd;
          break;
        }
        case SERIES_METADATA: {
          r.expectWire(tag, WIRE_LENGTH_DELIMITED);
          const fieldEnd = enter(r);
          while (r.at < fieldEnd) {
            const t = r.tag();
            if (t === (1 << 3) + WIRE_VARINT) this.type = r.uint32();
            else r.skip(t & 7); // help_ref and unit_ref: not kept
          }
          leave(r, fieldEnd);
          break;
        }
        case SERIES_CREATED:
          r.expectWire(tag, WIRE_VARINT);
          this.created = r.int64();
          break;
        default:
          r.skip(wire);
      }
    }
    leave(r, end);
  }
}

function addSeries(
  r: ProtobufReader,
  s: SeriesV2,
  index: number,
  symbols: readonly string[],
  columns: PointColumns,
  counts: DecodedCounts,
): void {
  const field = `timeseries[${index}]`;
  const type = s.type;
  const context = {
    names: prometheusNames(resolve(s.refs, symbols, `${field}.labels_refs`)),
    kind: (name: string): SeriesKind => prometheusKind(name, type),
    field,
    start: s.created === 0 ? Number.NaN : s.created,
    cached: false,
    gaugeHistograms: type === PROM_TYPE.gaugeHistogram,
  };
  const target = addSeriesPoints(r, s, context, columns, counts);
  if (target < 0) return;
  for (let i = 0; i < s.exemplars.length; i += 2) {
    r.at = s.exemplars[i] as number;
    readExemplar(r, s.exemplars[i + 1] as number, symbols, columns, target, `${field}.exemplars[${i / 2}]`);
  }
}

/** Label references as the flat `[name, value, ...]` list; a reference out of the table is a 400. */
function resolve(refs: readonly number[], symbols: readonly string[], field: string): string[] {
  if (refs.length % 2 !== 0) throw undecodable(field, 'an odd number of label references');
  const out = new Array<string>(refs.length);
  for (let i = 0; i < refs.length; i++) {
    const symbol = symbols[refs[i] as number];
    if (symbol === undefined) {
      throw undecodable(field, `reference ${refs[i]} is outside the ${symbols.length} symbols`);
    }
    out[i] = symbol;
  }
  return out;
}

function undecodable(field: string, reason: string): VantageError {
  return new VantageError('VTG_REMOTE_WRITE_UNDECODABLE', {
    params: { reason: `${field}: ${reason}` },
    field,
  });
}

function readExemplar(
  r: ProtobufReader,
  end: number,
  symbols: readonly string[],
  columns: PointColumns,
  series: number,
  field: string,
): void {
  const refs: number[] = [];
  let value = 0;
  let timestamp = 0;
  while (r.at < end) {
    const tag = r.tag();
    const wire = tag & 7;
    const number = tag >>> 3;
    if (number === 1) r.packedVarints(wire, refs);
    else if (tag === (2 << 3) + WIRE_FIXED64) value = r.double();
    else if (tag === (3 << 3) + WIRE_VARINT) timestamp = r.int64();
    else r.skip(wire);
  }
  leave(r, end);
  addExemplar(columns, series, timestamp, value, resolve(refs, symbols, `${field}.labels_refs`));
}
