/** Request and response bodies of the query API, shared with the dashboard. */

import type { HealthScore } from './health-score.js';

export interface TimeseriesSeries {
  service: string;
  metric: string;
  tags: Record<string, string>;
  /** [epoch ms of the step start, value] */
  points: [number, number][];
  /** With `exemplars=true`: the exemplars of the series in this one, newest first. */
  exemplars?: TimeseriesExemplar[];
}

/** A sample linked to a trace, as `/metrics/timeseries?exemplars=true` gives it. */
export interface TimeseriesExemplar {
  /** Epoch ms. */
  timestamp: number;
  value: number;
  /** Lower-case hex; '' when the sender gave none. */
  traceId: string;
  spanId: string;
}

export interface TimeseriesResponse {
  series: TimeseriesSeries[];
  query: {
    from: number;
    to: number;
    step: number;
    agg: string;
    tier: string;
    /** With `exemplars=true`: true when the range held more than the answer's cap, the oldest left out. */
    exemplarsTruncated?: boolean;
  };
}

export interface ServicesResponse {
  services: { name: string; metricCount: number; lastSeen: number }[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

export interface MetricsResponse {
  service: string;
  metrics: { name: string; types: string[]; tagKeys: string[]; seriesCount: number; lastSeen: number }[];
  /** Pass as `after` for the next page; null on the last page. */
  next: string | null;
}

/** One side of GET /v1/compare, over the whole range. */
export interface CompareSide {
  /** As given: `service:checkout-v2`, `version:v2`. */
  side: string;
  /** Samples in the range (for a counter: deltas sent). */
  count: number;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Per second over the range: samples of a gauge (requests, for a per-request latency), deltas of a counter. */
  rate: number;
  /** [step start, the per-step value the test runs on] */
  points: [number, number][];
}

/** GET /v1/compare: B against A. Differences are B - A; percents are relative to A. */
export interface CompareResponse {
  metric: string;
  /** The service a tag side is taken within; null when both sides are services. */
  service: string | null;
  from: number;
  to: number;
  step: number;
  a: CompareSide;
  b: CompareSide;
  difference: Record<
    | 'mean'
    | 'meanPercent'
    | 'p50'
    | 'p50Percent'
    | 'p95'
    | 'p95Percent'
    | 'p99'
    | 'p99Percent'
    | 'rate'
    | 'ratePercent',
    number | null
  >;
  significance: {
    test: 'welch_t';
    on: 'per-step means' | 'per-step rates';
    t: number | null;
    df: number | null;
    pValue: number | null;
    alpha: number;
    significant: boolean | null;
    samplesA: number;
    samplesB: number;
    /** Why t, df or pValue are null; null when the test ran. */
    note: string | null;
  };
}

/** GET /v1/health-scores and /v1/health-scores/:service. */
export interface HealthScoresResponse {
  /** Length of the window scored, e.g. `15m`. */
  window: string;
  /** Length of the baseline before the window, e.g. `24h`. */
  baseline: string;
  from: number;
  to: number;
  baselineFrom: number;
  baselineTo: number;
  formula: string;
  /** Worst first within the page; unknown last. */
  services: ({ service: string } & HealthScore)[];
  /**
   * GET /v1/health-scores pages by service name: pass as `after` for the next page; null on the
   * last page (and always on /v1/health-scores/:service).
   */
  next: string | null;
}

/** `GET /v1/pipeline`: the pipeline's own metrics, scraped from its roles. Null where unknown. */
export interface PipelineStatusResponse {
  targets: PipelineTargetStatus[];
  collector: PipelineCollectorStatus;
  bus: PipelineBusStatus;
  worker: PipelineWorkerStatus;
  storage: PipelineStorageStatus;
  stall: PipelineStallStatus;
}

export interface PipelineTargetStatus {
  role: 'collector' | 'worker' | null;
  url: string;
  up: boolean;
  error: string | null;
}

/** Counters since each collector started, added over the collectors that answered. */
export interface PipelineCollectorStatus {
  requests: number | null;
  requestsAccepted: number | null;
  requestsRejected: number | null;
  rateLimited: number | null;
  samplesAccepted: number | null;
  samplesRejected: number | null;
  publishSecondsAvg: number | null;
  publishSecondsP99: number | null;
  publishFailures: number | null;
  bufferSamples: number | null;
  bufferRejections: number | null;
}

export interface PipelineBusStatus {
  kind: 'embedded' | 'kafka';
  /** Embedded: bytes the log keeps on disk, and those the worker has not consumed yet. */
  logBytes: number | null;
  backlogBytes: number | null;
  /** Kafka: messages not yet consumed, over every assigned partition. */
  consumerLagMessages: number | null;
}

export interface PipelineWorkerStatus {
  batchSize: number | null;
  samplesStored: number | null;
  insertsOk: number | null;
  insertsRetried: number | null;
  insertsFailed: number | null;
  decodeFailures: number | null;
  /** Aggregates set aside because the store can never hold them (GET /v1/dead-letters). */
  deadLetters: number | null;
  /** insertsRetried + insertsFailed + decodeFailures. */
  errors: number | null;
  insertSecondsAvg: number | null;
  circuitBreaker: 'closed' | 'open' | 'half-open' | null;
  lagSeconds: number | null;
}

/**
 * Whether the workers are stuck (issue 10): they have committed nothing on the bus for the
 * collectors' `--stall-after` while data waits there. As the collectors see it; the worst of them.
 */
export interface PipelineStallStatus {
  /** Null when no collector answered, or its metrics do not say. */
  stalled: boolean | null;
  /** RFC 3339: since when data has waited with no commit, while stalled; else null. */
  since: string | null;
  stalledSeconds: number | null;
  /** What the bus holds past the workers' committed position, in `backlogUnit`. */
  backlog: number | null;
  backlogUnit: 'bytes' | 'messages';
}

export interface PipelineStorageStatus {
  kind: string;
  series: number | null;
  bytesOnDisk: number | null;
  error: string | null;
}

/**
 * Traces (issue 14). A span's kind, status and attributes as the API writes them; they mirror
 * span.ts (whose codec needs Node, so the dashboard cannot load it), and api-types.test.ts keeps
 * the two in step.
 */
export type ApiSpanKind = 'unspecified' | 'internal' | 'server' | 'client' | 'producer' | 'consumer';
export type ApiSpanStatus = 'unset' | 'ok' | 'error';
export type ApiSpanAttributes = Record<string, string | number | boolean>;

/** One trace found by `GET /v1/traces`. */
export interface TraceSummaryItem {
  traceId: string;
  rootService: string;
  rootOperation: string;
  /** Epoch ms of the earliest span. */
  start: number;
  durationMs: number;
  spanCount: number;
  errorCount: number;
  /** Sorted by name. */
  services: string[];
}

/**
 * The query string of `GET /v1/traces`. Durations in ms (the dashboard sends whole ms; a unit,
 * `250ms`, `1.5s`, may be accepted too); `tags` is `key:value`, repeated for several, and a trace
 * matches when one span has every tag; `from`/`to` as everywhere (`-1h`, `now`, RFC 3339, epoch
 * ms); `limit` at most 1,000. A type alias, not an interface, so it is a plain record of params.
 */
export type TracesQuery = {
  service?: string;
  operation?: string;
  min_duration?: number | string;
  max_duration?: number | string;
  status?: 'ok' | 'error';
  tags?: string[];
  from?: string;
  to?: string;
  limit?: number;
};

/** `GET /v1/traces`: the traces found, newest first. */
export interface TracesResponse {
  traces: TraceSummaryItem[];
}

export interface TraceSpanEvent {
  /** Epoch nanoseconds as a decimal string. */
  timeUnixNano: string;
  name: string;
  attributes: ApiSpanAttributes;
}

export interface TraceSpanLink {
  traceId: string;
  spanId: string;
  attributes: ApiSpanAttributes;
}

export interface TraceSpanItem {
  spanId: string;
  /** '' for a root span. */
  parentSpanId: string;
  service: string;
  name: string;
  kind: ApiSpanKind;
  /** Epoch ms. */
  start: number;
  /** The exact start, epoch ns as a decimal string. */
  startUnixNano?: string;
  /** Fractional ms. */
  durationMs: number;
  status: ApiSpanStatus;
  /** The status' description, when the sender gave one (an error's reason). */
  statusMessage?: string;
  attributes: ApiSpanAttributes;
  events: TraceSpanEvent[];
  links: TraceSpanLink[];
}

/** `GET /v1/traces/{traceId}`: every span, by start time; 404 for an unknown id. */
export interface TraceResponse {
  traceId: string;
  spans: TraceSpanItem[];
}

/** One edge of the service map: spans of `child` whose parent span is of `parent`. */
export interface ServiceMapCall {
  parent: string;
  child: string;
  calls: number;
  errors: number;
  p95Ms: number;
}

/** The query string of `GET /v1/service-map`. */
export type ServiceMapQuery = {
  from?: string;
  to?: string;
};

/**
 * `GET /v1/service-map?from=&to=`: the services seen on either end of a call in the range (sorted
 * by name) and the calls between them.
 */
export interface ServiceMapResponse {
  services: string[];
  calls: ServiceMapCall[];
}

/** `GET /v1/exemplars?service=&metric=&from=&to=&limit=&offset=`, newest first. */
export interface ExemplarsResponse {
  service: string;
  metric: string;
  exemplars: {
    tags: Record<string, string>;
    type: string;
    /** Epoch ms. */
    time: number;
    value: number;
    /** Lower-case hex; '' when the sender gave none. */
    traceId: string;
    spanId: string;
  }[];
  next: number | null;
}
