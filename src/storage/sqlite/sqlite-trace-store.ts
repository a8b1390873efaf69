import type { Database as Db, Statement } from 'better-sqlite3';
import { SPAN_KINDS } from '../../core/index.js';
import type { Span } from '../../core/index.js';
import { DEAD_LETTER_LIMIT } from '../dead-letters.js';
import { rootKey, rootKeyLess, spanDurationNs, spanProblem, STATUS_CODE } from '../trace-rules.js';
import type * as contract from '../trace-store.js';
import { openDatabase } from './sqlite-connection.js';
import { SPAN_DEAD_LETTER_TABLE, SPAN_TABLE, TRACE_SUMMARY_TABLE, migrateTraces } from './trace-schema.js';
import { SqliteTraceReads, answerTraceRead, traceReadLane } from './sqlite-trace-reads.js';
import type { TraceReadAnswer, TraceReadRequest } from './sqlite-trace-reads.js';
import type { SqliteTraceQueryThreadData } from './sqlite-trace-query-thread.js';
import { storeQueryThreads } from './query-thread-pool.js';
import type { QueryThreadPool, StoreQueryThreadOptions } from './query-thread-pool.js';

export interface SqliteTraceStoreOptions extends StoreQueryThreadOptions {
  /** The trace file: `<data-dir>/traces.db` (trace-schema.ts says why not the metric file). */
  readonly path: string;
  readonly retention: contract.TraceRetention;
  /** The clock of dead letters' `at`; Date.now unless a test says otherwise. */
  readonly now?: () => number;
}

/** Rows a retention statement deletes at a time, so a large delete never holds the writer long. */
const RETENTION_CHUNK = 20_000;

interface SummaryRow {
  start_ns: bigint;
  end_ns: bigint;
  span_count: bigint;
  error_count: bigint;
  root_has_parent: bigint;
  root_start_ns: bigint;
  root_span_id: Buffer;
  root_service: string;
  root_operation: string;
  services: string;
}

/** What new spans add to one trace's summary in one write. */
interface SummaryDelta {
  start: bigint;
  end: bigint;
  spans: number;
  errors: number;
  root: Span;
  services: Set<string>;
}

/**
 * Spans in SQLite, embedded mode. A write is one transaction: spans new to the store are inserted
 * (a span already there, from a replayed bus message, is ignored by the unique index) and only
 * those are folded into their traces' summaries, so a replay changes nothing. The summary keeps
 * what the search lists; the span rows what a trace view shows.
 */
export class SqliteTraceStore implements contract.TraceStore {
  readonly kind = 'sqlite';
  private readonly writer: Db;
  private readonly reader: Db;
  private readonly reads: SqliteTraceReads;
  /** As the metric store's: the API's reads on threads of their own, when the options ask. */
  private readonly queryThreads:
    QueryThreadPool<TraceReadRequest, TraceReadAnswer<TraceReadRequest>> | undefined;
  private readonly insertSpan: Statement;
  private readonly readSummary: Statement;
  private readonly writeSummary: Statement;
  private readonly touchOperation: Statement;
  private readonly insertDeadLetter: Statement;
  private readonly trimDeadLetters: Statement;
  private readonly now: () => number;

  constructor(private readonly options: SqliteTraceStoreOptions) {
    this.writer = openDatabase(options.path);
    migrateTraces(this.writer);
    this.reader = openDatabase(options.path);
    this.reads = new SqliteTraceReads(this.reader);
    this.now = options.now ?? Date.now;
    this.insertSpan = this.writer.prepare(
      `INSERT OR IGNORE INTO ${SPAN_TABLE} (trace_id, span_id, parent_span_id, service, name, kind, start_ns,
         duration_ns, status, status_message, attributes, events, links)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.readSummary = this.writer
      .prepare(`SELECT * FROM ${TRACE_SUMMARY_TABLE} WHERE trace_id = ?`)
      .safeIntegers(true);
    this.writeSummary = this.writer.prepare(
      `INSERT OR REPLACE INTO ${TRACE_SUMMARY_TABLE} (trace_id, start_ns, end_ns, span_count, error_count,
         root_has_parent, root_start_ns, root_span_id, root_service, root_operation, services)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.touchOperation = this.writer.prepare(
      `INSERT INTO service_operation (service, name, last_seen_ns) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET last_seen_ns = max(last_seen_ns, excluded.last_seen_ns)`,
    );
    this.insertDeadLetter = this.writer.prepare(
      `INSERT INTO ${SPAN_DEAD_LETTER_TABLE} (at, trace_id, span_id, reason, span) VALUES (?, ?, ?, ?, ?)`,
    );
    this.trimDeadLetters = this.writer.prepare(
      `DELETE FROM ${SPAN_DEAD_LETTER_TABLE} WHERE id <= (SELECT max(id) FROM ${SPAN_DEAD_LETTER_TABLE}) - ?`,
    );
    // Last, once the schema is migrated and nothing else can fail.
    this.queryThreads = storeQueryThreads(
      new URL('./sqlite-trace-query-thread.js', import.meta.url),
      options,
      { path: options.path } satisfies SqliteTraceQueryThreadData,
    );
  }

  async writeSpans(spans: readonly Span[]): Promise<contract.SpanWriteReport> {
    let stored = 0;
    let deadLettered = 0;
    try {
      this.writer.transaction(() => {
        const deltas = new Map<string, SummaryDelta>();
        const operations = new Map<string, [string, string, bigint]>();
        for (const span of spans) {
          const problem = spanProblem(span);
          if (problem !== undefined) {
            this.deadLetter(span, problem);
            deadLettered += 1;
            continue;
          }
          if (!this.insert(span)) continue;
          stored += 1;
          addToDelta(deltas, span);
          const start = BigInt(span.startUnixNano);
          const key = `${span.service}\u0000${span.name}`;
          const seen = operations.get(key);
          if (seen === undefined || seen[2] < start) operations.set(key, [span.service, span.name, start]);
        }
        for (const [traceId, delta] of deltas) this.mergeSummary(traceId, delta);
        for (const [service, name, at] of operations.values()) this.touchOperation.run(service, name, at);
        if (deadLettered > 0) this.trimDeadLetters.run(DEAD_LETTER_LIMIT);
      })();
    } catch (err) {
      throw new Error(`writing spans to SQLite failed: ${(err as Error).message}`, { cause: err });
    }
    return { stored, deadLettered };
  }

  async trace(traceId: string): Promise<Span[]> {
    return this.read({ op: 'trace', traceId });
  }

  async searchTraces(query: contract.TraceSearch): Promise<contract.TraceSummary[]> {
    return this.read({ op: 'search', query });
  }

  async serviceCalls(from: number, to: number): Promise<contract.ServiceCall[]> {
    return this.read({ op: 'serviceCalls', from, to });
  }

  async traceServices(): Promise<string[]> {
    return this.read({ op: 'services' });
  }

  async operations(service: string): Promise<string[]> {
    return this.read({ op: 'operations', service });
  }

  /** A read on a query thread when the store has them, else here on the reader connection. */
  private async read<R extends TraceReadRequest>(request: R): Promise<TraceReadAnswer<R>> {
    if (this.queryThreads === undefined) return answerTraceRead(this.reads, request);
    return (await this.queryThreads.run(request, traceReadLane(request))) as TraceReadAnswer<R>;
  }

  /** Deletes in chunks, each its own transaction, so the worker's writes go on in between. */
  async applyTraceRetention(now: number): Promise<{ spansRemoved: number; summariesRemoved: number }> {
    const spanCutoff = BigInt(Math.floor(now - this.options.retention.spansMs)) * 1_000_000n;
    const summaryCutoff = BigInt(Math.floor(now - this.options.retention.summariesMs)) * 1_000_000n;
    const spansRemoved = this.deleteChunked(
      `DELETE FROM ${SPAN_TABLE} WHERE rowid IN (SELECT rowid FROM ${SPAN_TABLE} WHERE start_ns < ? LIMIT ${RETENTION_CHUNK})`,
      spanCutoff,
    );
    const summariesRemoved = this.deleteChunked(
      `DELETE FROM ${TRACE_SUMMARY_TABLE} WHERE trace_id IN (SELECT trace_id FROM ${TRACE_SUMMARY_TABLE} WHERE start_ns < ? LIMIT ${RETENTION_CHUNK})`,
      summaryCutoff,
    );
    this.writer.prepare('DELETE FROM service_operation WHERE last_seen_ns < ?').run(spanCutoff);
    return { spansRemoved, summariesRemoved };
  }

  /** Spans set aside, newest first (for tests and operators; the API lists metric dead letters). */
  spanDeadLetters(limit = 100): { at: number; traceId: string; spanId: string; reason: string }[] {
    return this.reader
      .prepare(
        `SELECT at, trace_id AS traceId, span_id AS spanId, reason FROM ${SPAN_DEAD_LETTER_TABLE} ORDER BY id DESC LIMIT ?`,
      )
      .all(limit) as { at: number; traceId: string; spanId: string; reason: string }[];
  }

  /** Lets running reads finish (refusing queued ones), then closes every connection. */
  async close(): Promise<void> {
    await this.queryThreads?.close();
    this.reader.close();
    this.writer.close();
  }

  private deleteChunked(sql: string, cutoff: bigint): number {
    const statement = this.writer.prepare(sql);
    let removed = 0;
    for (;;) {
      const n = statement.run(cutoff).changes;
      removed += n;
      if (n < RETENTION_CHUNK) return removed;
    }
  }

  private insert(span: Span): boolean {
    const status = STATUS_CODE[span.status];
    return (
      this.insertSpan.run(
        Buffer.from(span.traceId, 'hex'),
        Buffer.from(span.spanId, 'hex'),
        Buffer.from(span.parentSpanId, 'hex'),
        span.service,
        span.name,
        SPAN_KINDS.indexOf(span.kind),
        BigInt(span.startUnixNano),
        spanDurationNs(span),
        status,
        span.statusMessage ?? '',
        JSON.stringify(span.attributes),
        JSON.stringify(span.events),
        JSON.stringify(span.links),
      ).changes === 1
    );
  }

  private deadLetter(span: Span, reason: string): void {
    const record = span as Partial<Span> | null;
    this.insertDeadLetter.run(
      this.now(),
      String(record?.traceId ?? ''),
      String(record?.spanId ?? ''),
      reason,
      JSON.stringify(span) ?? 'null',
    );
  }

  private mergeSummary(traceId: string, delta: SummaryDelta): void {
    const id = Buffer.from(traceId, 'hex');
    const old = this.readSummary.get(id) as SummaryRow | undefined;
    let root = rootKey(delta.root);
    let rootService = delta.root.service;
    let rootOperation = delta.root.name;
    if (old !== undefined) {
      const oldRoot: [number, bigint, string] = [
        Number(old.root_has_parent),
        old.root_start_ns,
        old.root_span_id.toString('hex'),
      ];
      if (!rootKeyLess(root, oldRoot)) {
        root = oldRoot;
        rootService = old.root_service;
        rootOperation = old.root_operation;
      }
      for (const s of JSON.parse(old.services) as string[]) delta.services.add(s);
    }
    this.writeSummary.run(
      id,
      old !== undefined && old.start_ns < delta.start ? old.start_ns : delta.start,
      old !== undefined && old.end_ns > delta.end ? old.end_ns : delta.end,
      Number(old?.span_count ?? 0n) + delta.spans,
      Number(old?.error_count ?? 0n) + delta.errors,
      root[0],
      root[1],
      Buffer.from(root[2], 'hex'),
      rootService,
      rootOperation,
      JSON.stringify([...delta.services].sort()),
    );
  }
}

function addToDelta(deltas: Map<string, SummaryDelta>, span: Span): void {
  const start = BigInt(span.startUnixNano);
  const end = start + spanDurationNs(span);
  const errors = span.status === 'error' ? 1 : 0;
  const d = deltas.get(span.traceId);
  if (d === undefined) {
    deltas.set(span.traceId, { start, end, spans: 1, errors, root: span, services: new Set([span.service]) });
    return;
  }
  if (start < d.start) d.start = start;
  if (end > d.end) d.end = end;
  d.spans += 1;
  d.errors += errors;
  d.services.add(span.service);
  if (rootKeyLess(rootKey(span), rootKey(d.root))) d.root = span;
}
