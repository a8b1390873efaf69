import type { ProtobufReader } from '../../core/index.js';
import type { PointColumns, SeriesKind } from '../../core/index.js';
import { readNativeHistogram, RESET_HINT_GAUGE } from './native-histogram.js';
import { addPrometheusSeries } from './prometheus-series.js';
import type { PromSeriesNames } from './prometheus-series.js';
import { readSample } from './wire.js';

/** What a decoded request held (the 2.0 answer's written headers count from it). */
export interface DecodedCounts {
  samples: number;
  histograms: number;
  exemplars: number;
  /** Samples that were staleness markers: taken, not stored. */
  staleMarkers: number;
}

/** Where one TimeSeries' points are on the wire: [start, end, ...] byte ranges. */
export interface SeriesRanges {
  readonly samples: readonly number[];
  readonly histograms: readonly number[];
  readonly exemplars: readonly number[];
}

export interface SeriesContext {
  readonly names: PromSeriesNames | null;
  /** The kind of its samples, from the name as sent. */
  readonly kind: (rawName: string) => SeriesKind;
  /** `timeseries[i]`, for rejections. */
  readonly field: string;
  /** The created timestamp (2.0), NaN when unknown. */
  readonly start: number;
  /** Its names are the LabelCache's (addPrometheusSeries). */
  readonly cached: boolean;
  /** Its histograms are gauge histograms whatever their reset hint (2.0 metadata). */
  readonly gaugeHistograms: boolean;
}

/**
 * The samples and native histograms of one TimeSeries into `columns`, the same for 1.0 and 2.0
 * (their Sample and Histogram messages are one format); returns the series index its exemplars
 * belong to, or -1 when it has none (no name, no points).
 */
export function addSeriesPoints(
  r: ProtobufReader,
  s: SeriesRanges,
  c: SeriesContext,
  columns: PointColumns,
  counts: DecodedCounts,
): number {
  counts.samples += s.samples.length / 2;
  counts.histograms += s.histograms.length / 2;
  counts.exemplars += s.exemplars.length / 2;
  let target = -1;
  if (s.samples.length > 0) {
    const id = addPrometheusSeries(columns, c.names, c.kind, c.field, s.samples.length / 2, c.cached);
    if (id >= 0) {
      target = id;
      for (let i = 0; i < s.samples.length; i += 2) {
        r.at = s.samples[i] as number;
        if (!readSample(r, s.samples[i + 1] as number, columns, id, c.start)) counts.staleMarkers++;
      }
    }
  }
  for (let i = 0; i < s.histograms.length; i += 2) {
    const native = readNativeHistogram(r.sub(s.histograms[i] as number, s.histograms[i + 1] as number));
    // The series of a native histogram holds distributions, whatever its name says.
    const gauge = c.gaugeHistograms || native.resetHint === RESET_HINT_GAUGE;
    const kind = gauge ? 'histogram-delta' : 'histogram-cumulative';
    const id = addPrometheusSeries(columns, c.names, kind, c.field, 1, c.cached);
    if (id < 0) continue;
    target = id;
    if (typeof native.point === 'string') {
      columns.reject('VTG_INGEST_INVALID_SAMPLE', `${c.field}.histograms[${i / 2}]`, native.point);
    } else columns.addHistogram(id, native.timestamp, native.point, c.start);
  }
  return target;
}
