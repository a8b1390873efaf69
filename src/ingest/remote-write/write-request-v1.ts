import { ProtobufReader, WIRE_FIXED64, WIRE_LENGTH_DELIMITED, WIRE_VARINT } from '../../core/index.js';
import type { PointColumns, SeriesKind } from '../../core/index.js';
import { byteKey } from './label-cache.js';
import type { LabelCache } from './label-cache.js';
import { addExemplar, PROM_TYPE, prometheusKind, prometheusNames } from './prometheus-series.js';
import type { PromSeriesNames } from './prometheus-series.js';
import { addSeriesPoints } from './series-points.js';
import type { DecodedCounts } from './series-points.js';
import { enter, leave, readString } from './wire.js';

// Field numbers of prometheus.WriteRequest and its messages (prompb/remote.proto, types.proto).
const WRITE_TIMESERIES = 1;
const WRITE_METADATA = 3;
const SERIES_LABELS = 1;
const SERIES_SAMPLES = 2;
const SERIES_EXEMPLARS = 3;
const SERIES_HISTOGRAMS = 4;
const META_TYPE = 1;
const META_FAMILY = 2;

/**
 * Decodes a remote_write 1.0 `prometheus.WriteRequest` into `columns`: each TimeSeries' labels once,
 * its samples straight into the columns. Throws ProtobufError on bytes that are not the message.
 * Types come from the request's metadata when it has any (Prometheus sends metadata in requests of
 * their own, so mostly it does not), else from the names (prometheusKind). With a cache, a label
 * set seen before is not decoded again.
 */
export function decodeWriteRequestV1(
  body: Uint8Array,
  columns: PointColumns,
  cache?: LabelCache,
): DecodedCounts {
  const r = new ProtobufReader(body);
  // Metadata follows the series on the wire (field order): find both before decoding a series.
  const series: number[] = [];
  let types: Map<string, number> | undefined;
  while (!r.done) {
    const tag = r.tag();
    const field = tag >>> 3;
    if (field === WRITE_TIMESERIES || field === WRITE_METADATA) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const end = enter(r);
      if (field === WRITE_TIMESERIES) series.push(r.at, end);
      else readMetadata(r, end, (types ??= new Map()));
      r.at = end;
    } else r.skip(tag & 7);
  }
  const known = types;
  const kindOf =
    known === undefined
      ? (name: string) => prometheusKind(name, PROM_TYPE.unknown)
      : (name: string) => prometheusKind(name, familyType(known, name));
  const counts: DecodedCounts = { samples: 0, histograms: 0, exemplars: 0, staleMarkers: 0 };
  const scratch = new SeriesScratch();
  for (let i = 0; i < series.length; i += 2) {
    r.at = series[i] as number;
    decodeSeries(r, series[i + 1] as number, i / 2, columns, kindOf, counts, scratch, cache);
  }
  return counts;
}

/** Per-series lists reused from one TimeSeries to the next (a request holds thousands). */
class SeriesScratch {
  /** Byte ranges [start, end, ...] of the series' labels, samples, exemplars and histograms. */
  readonly labels: number[] = [];
  readonly samples: number[] = [];
  readonly exemplars: number[] = [];
  readonly histograms: number[] = [];
  /** Where the labels' fields start and end on the wire, when they are one run (-1 when not). */
  labelsFrom = -1;
  labelsTo = -1;
  readonly names: string[] = [];

  clear(): void {
    this.labels.length = 0;
    this.labelsFrom = -1;
    this.labelsTo = -1;
    this.samples.length = 0;
    this.exemplars.length = 0;
    this.histograms.length = 0;
  }
}

function decodeSeries(
  r: ProtobufReader,
  end: number,
  index: number,
  columns: PointColumns,
  kindOf: (name: string) => SeriesKind,
  counts: DecodedCounts,
  s: SeriesScratch,
  cache: LabelCache | undefined,
): void {
  s.clear();
  // Labels come first on the wire, but nothing requires it: note where everything is, read the
  // labels (or find them in the cache), then the points.
  let contiguous = true;
  while (r.at < end) {
    const tagAt = r.at;
    const tag = r.tag();
    const field = tag >>> 3;
    if (field >= SERIES_LABELS && field <= SERIES_HISTOGRAMS) {
      r.expectWire(tag, WIRE_LENGTH_DELIMITED);
      const fieldEnd = enter(r);
      if (field === SERIES_LABELS) {
        if (s.labelsFrom < 0) s.labelsFrom = tagAt;
        else if (s.labelsTo !== tagAt) contiguous = false;
        s.labelsTo = fieldEnd;
      }
      (field === SERIES_LABELS
        ? s.labels
        : field === SERIES_SAMPLES
          ? s.samples
          : field === SERIES_EXEMPLARS
            ? s.exemplars
            : s.histograms
      ).push(r.at, fieldEnd);
      r.at = fieldEnd;
    } else r.skip(tag & 7);
  }
  leave(r, end);
  const names = seriesNames(r, s, contiguous ? cache : undefined);
  const context = {
    names,
    kind: kindOf,
    field: `timeseries[${index}]`,
    start: Number.NaN,
    cached: contiguous,
    gaugeHistograms: false,
  };
  const target = addSeriesPoints(r, s, context, columns, counts);
  if (target < 0) return;
  for (let i = 0; i < s.exemplars.length; i += 2) {
    r.at = s.exemplars[i] as number;
    readExemplar(r, s.exemplars[i + 1] as number, columns, target);
  }
}

/** The series' names, from the cache when its label bytes were seen before. */
function seriesNames(
  r: ProtobufReader,
  s: SeriesScratch,
  cache: LabelCache | undefined,
): PromSeriesNames | null {
  const key = cache !== undefined && s.labelsFrom >= 0 ? byteKey(r.buf, s.labelsFrom, s.labelsTo) : undefined;
  if (key !== undefined) {
    const hit = cache?.get(key);
    if (hit !== undefined) return hit;
  }
  s.names.length = 0;
  for (let i = 0; i < s.labels.length; i += 2) {
    r.at = s.labels[i] as number;
    readLabel(r, s.labels[i + 1] as number, s.names);
  }
  const names = prometheusNames(s.names);
  if (key !== undefined) cache?.set(key, names);
  return names;
}

function readLabel(r: ProtobufReader, end: number, into: string[]): void {
  let name = '';
  let value = '';
  while (r.at < end) {
    const tag = r.tag();
    if (tag === (1 << 3) + WIRE_LENGTH_DELIMITED) name = readString(r);
    else if (tag === (2 << 3) + WIRE_LENGTH_DELIMITED) value = readString(r);
    else r.skip(tag & 7);
  }
  leave(r, end);
  into.push(name, value);
}

function readExemplar(r: ProtobufReader, end: number, columns: PointColumns, series: number): void {
  let value = 0;
  let timestamp = 0;
  const labels: string[] = [];
  while (r.at < end) {
    const tag = r.tag();
    if (tag === (1 << 3) + WIRE_LENGTH_DELIMITED) readLabel(r, enter(r), labels);
    else if (tag === (2 << 3) + WIRE_FIXED64) value = r.double();
    else if (tag === (3 << 3) + WIRE_VARINT) timestamp = r.int64();
    else r.skip(tag & 7);
  }
  leave(r, end);
  addExemplar(columns, series, timestamp, value, labels);
}

function readMetadata(r: ProtobufReader, end: number, into: Map<string, number>): void {
  let type = 0;
  let family = '';
  while (r.at < end) {
    const tag = r.tag();
    if (tag === (META_TYPE << 3) + WIRE_VARINT) type = r.uint32();
    else if (tag === (META_FAMILY << 3) + WIRE_LENGTH_DELIMITED) family = readString(r);
    else r.skip(tag & 7);
  }
  leave(r, end);
  if (family !== '') into.set(family, type);
}

const FAMILY_SUFFIXES = ['_total', '_bucket', '_sum', '_count', '_created'] as const;

/** A sample's type from its family's metadata: the family is its name, or its name less a suffix. */
function familyType(types: ReadonlyMap<string, number>, name: string): number {
  const exact = types.get(name);
  if (exact !== undefined) return exact;
  for (const suffix of FAMILY_SUFFIXES) {
    if (name.endsWith(suffix)) {
      const type = types.get(name.slice(0, -suffix.length));
      if (type !== undefined) return type;
    }
  }
  return PROM_TYPE.unknown;
}
