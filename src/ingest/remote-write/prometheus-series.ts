import { METRIC_LIMITS } from '../../core/index.js';
import type { PointColumns, SeriesKind } from '../../core/index.js';

/** Prometheus' metric types, as both remote_write versions number them (MetricMetadata / Metadata). */
export const PROM_TYPE = {
  unknown: 0,
  counter: 1,
  gauge: 2,
  histogram: 3,
  gaugeHistogram: 4,
  summary: 5,
  info: 6,
  stateset: 7,
} as const;

/** The service of a series without a `job` label. */
export const DEFAULT_SERVICE = 'prometheus';

const COUNTER_SUFFIXES = ['_total', '_count', '_sum', '_bucket'] as const;

/**
 * What a Prometheus sample of `name` is stored as, given its family's type (PROM_TYPE; `unknown`
 * when the sender said nothing, as remote_write 1.0 senders mostly do: Prometheus sends metadata in
 * requests of their own). Counters and the `_bucket`/`_sum`/`_count` series of classic histograms
 * and summaries are running totals; without a type, the names Prometheus' conventions give running
 * totals are taken as such. A summary's quantiles and everything else are gauges.
 */
export function prometheusKind(name: string, type: number): SeriesKind {
  switch (type) {
    case PROM_TYPE.counter:
      return 'cumulative';
    case PROM_TYPE.histogram:
    case PROM_TYPE.summary:
      return name.endsWith('_bucket') || name.endsWith('_sum') || name.endsWith('_count')
        ? 'cumulative'
        : 'gauge';
    case PROM_TYPE.unknown:
      for (const suffix of COUNTER_SUFFIXES) if (name.endsWith(suffix)) return 'cumulative';
      return 'gauge';
    default:
      // Gauges, gauge histograms' series, info and stateset: values at a time.
      return 'gauge';
  }
}

/**
 * Our names are stricter than Prometheus' (which allow a leading `:` and, since 3.0, any UTF-8):
 * a character we refuse becomes `_`, as Prometheus' own OTLP translation does, so a series is
 * renamed rather than dropped.
 */
export function sanitizeName(name: string): string {
  return METRIC_LIMITS.namePattern.test(name) ? name : replaceRefused(name, /[A-Za-z_]/, /[A-Za-z0-9_.:]/);
}

/** The same for label names, against our tag key pattern. */
export function sanitizeTagKey(key: string): string {
  return METRIC_LIMITS.tagKeyPattern.test(key) ? key : replaceRefused(key, /[A-Za-z_]/, /[A-Za-z0-9_.-]/);
}

function replaceRefused(text: string, first: RegExp, rest: RegExp): string {
  if (text === '') return '_';
  let out = '';
  let i = 0;
  for (const ch of text) {
    out += (i === 0 ? first : rest).test(ch) ? ch : '_';
    i++;
  }
  return out;
}

/** The trace or span id of an exemplar label, as lower-case hex; '' when it is not hex. */
export function hexId(value: string): string {
  return /^[0-9A-Fa-f]+$/.test(value) ? value.toLowerCase() : '';
}

/** A series' identity in our terms, from its Prometheus labels. */
export interface PromSeriesNames {
  readonly service: string;
  /** Sanitized (sanitizeName). */
  readonly name: string;
  /** As sent: the name conventions and metadata speak of this one. */
  readonly rawName: string;
  /** Flat `[key, value, ...]`, keys sanitized. */
  readonly tags: readonly string[];
}

/**
 * A series' names from its labels (a flat `[name, value, ...]` list as the protocols carry them):
 * `__name__` names it, `job` is its service, labels with an empty value are absent (the Prometheus
 * rule), the rest become tags (`instance` included). Null when it has no `__name__`.
 */
export function prometheusNames(labels: readonly string[]): PromSeriesNames | null {
  let rawName: string | undefined;
  let service = DEFAULT_SERVICE;
  const tags: string[] = [];
  for (let i = 0; i + 1 < labels.length; i += 2) {
    const key = labels[i] as string;
    const value = labels[i + 1] as string;
    if (value === '') continue;
    if (key === '__name__') rawName = value;
    else if (key === 'job') service = value;
    else tags.push(sanitizeTagKey(key), value);
  }
  return rawName === undefined ? null : { service, name: sanitizeName(rawName), rawName, tags };
}

/**
 * Adds a series to `columns`; returns its index, or -1 (with a rejection of `points` points) when
 * it has no name.
 */
export function addPrometheusSeries(
  columns: PointColumns,
  names: PromSeriesNames | null,
  /** The series' kind, or how to tell it from the name as sent. */
  kind: SeriesKind | ((rawName: string) => SeriesKind),
  field: string,
  points: number,
  /** `names` is the LabelCache's, handed again for this series in later requests. */
  cached = false,
): number {
  if (names === null) {
    if (points > 0) {
      columns.reject(
        'VTG_INGEST_INVALID_SAMPLE',
        `${field}.labels`,
        'The series has no __name__ label',
        points,
      );
    }
    return -1;
  }
  const k = typeof kind === 'string' ? kind : kind(names.rawName);
  return columns.addSeries(names.service, names.name, k, names.tags, field, cached);
}

/** An exemplar: its `trace_id` and `span_id` labels (the OpenTelemetry convention) as hex ids. */
export function addExemplar(
  columns: PointColumns,
  series: number,
  timestamp: number,
  value: number,
  labels: readonly string[],
): void {
  let traceId = '';
  let spanId = '';
  for (let i = 0; i + 1 < labels.length; i += 2) {
    if (labels[i] === 'trace_id') traceId = hexId(labels[i + 1] as string);
    else if (labels[i] === 'span_id') spanId = hexId(labels[i + 1] as string);
  }
  columns.addExemplar(series, timestamp, value, traceId, spanId);
}
