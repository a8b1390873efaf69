import type { Span } from '../core/index.js';
import type * as contract from './trace-store.js';

/**
 * A trace store's questions in its own SQL (SQLite answers on the calling thread, ClickHouse over
 * HTTP); the rules behind the answers are trace-rules.ts's, and the parity test holds both to them.
 */
export interface TraceReads {
  trace(traceId: string): Span[] | Promise<Span[]>;
  search(query: contract.TraceSearch): contract.TraceSummary[] | Promise<contract.TraceSummary[]>;
  serviceCalls(from: number, to: number): contract.ServiceCall[] | Promise<contract.ServiceCall[]>;
  services(): string[] | Promise<string[]>;
  operations(service: string): string[] | Promise<string[]>;
}

/**
 * What every trace store shares: the read half of TraceStore, each question going to the store's
 * TraceReads, and the clock that dates its dead letters (`now`, Date.now unless a test gives one).
 * A store adds its writes and retention.
 */
export abstract class TraceStoreBase implements contract.TraceStore {
  protected abstract readonly reads: TraceReads;

  protected constructor(protected readonly now: () => number = Date.now) {}

  abstract writeSpans(spans: readonly Span[]): Promise<contract.SpanWriteReport>;
  abstract applyTraceRetention(now: number): Promise<{ spansRemoved: number; summariesRemoved: number }>;

  async trace(traceId: string): Promise<Span[]> {
    return this.reads.trace(traceId);
  }

  async searchTraces(query: contract.TraceSearch): Promise<contract.TraceSummary[]> {
    return this.reads.search(query);
  }

  async serviceCalls(from: number, to: number): Promise<contract.ServiceCall[]> {
    return this.reads.serviceCalls(from, to);
  }

  async traceServices(): Promise<string[]> {
    return this.reads.services();
  }

  async operations(service: string): Promise<string[]> {
    return this.reads.operations(service);
  }
}
