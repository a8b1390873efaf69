import type { Span } from '../core/index.js';

/**
 * Where spans live: SQLite embedded, ClickHouse distributed. Separate from Store because spans
 * have a lifecycle of their own (30-day spans, 90-day trace summaries), a bus topic of their own and
 * questions of their own; a store class may implement both.
 */

/** What GET /v1/traces searches by. Times are epoch ms: from inclusive, to exclusive. */
export interface TraceSearch {
  readonly from: number;
  readonly to: number;
  readonly service?: string;
  readonly operation?: string;
  readonly minDurationMs?: number;
  readonly maxDurationMs?: number;
  readonly status?: 'ok' | 'error';
  /** Attribute equality, all must hold on one span of the trace. */
  readonly tags?: Readonly<Record<string, string>>;
  /** Newest first, at most this many (the API caps it at 1,000). */
  readonly limit: number;
}

/** A trace's summary, kept longer than its spans. */
export interface TraceSummary {
  readonly traceId: string;
  readonly rootService: string;
  readonly rootOperation: string;
  /** Epoch ms of the earliest span. */
  readonly start: number;
  readonly durationMs: number;
  readonly spanCount: number;
  readonly errorCount: number;
  /** Sorted by name. */
  readonly services: string[];
}

/** One edge of the service map: calls from a parent span's service to a child span's service. */
export interface ServiceCall {
  readonly parent: string;
  readonly child: string;
  readonly calls: number;
  readonly errors: number;
  readonly p95Ms: number;
}

export interface SpanWriteReport {
  readonly stored: number;
  /** Spans set aside with a reason (dead letters), never retried. */
  readonly deadLettered: number;
}

export interface TraceRetention {
  /** Spans: 30 days by default. */
  readonly spansMs: number;
  /** Trace summaries: 90 days by default. */
  readonly summariesMs: number;
}

export interface TraceStore {
  /**
   * Stores spans idempotently (a span written twice, by a replayed bus message, is kept once) and
   * updates their traces' summaries. A failure a retry may fix throws and stores nothing.
   */
  writeSpans(spans: readonly Span[]): Promise<SpanWriteReport>;
  /** Every span of a trace, by start time; [] for an unknown id. */
  trace(traceId: string): Promise<Span[]>;
  searchTraces(query: TraceSearch): Promise<TraceSummary[]>;
  serviceCalls(from: number, to: number): Promise<ServiceCall[]>;
  /** Services that sent spans, and a service's operations (span names), in name order. */
  traceServices(): Promise<string[]>;
  operations(service: string): Promise<string[]>;
  applyTraceRetention(now: number): Promise<{ spansRemoved: number; summariesRemoved: number }>;
}
