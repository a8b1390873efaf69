import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { SPAN_KINDS } from '../../core/index.js';
import type { Span } from '../../core/index.js';
import { spanDurationNs, spanProblem, STATUS_CODE } from '../trace-rules.js';
import type * as contract from '../trace-store.js';
import { ClickHouseStoreError } from './clickhouse-store.js';
import { applyMigrations, syncTtl } from './migrator.js';
import type { MigrationReport } from './migrator.js';
import { connectClickHouse } from './clickhouse-connection.js';
import { checkIdentifier } from './schema.js';
import { dropPartitionsBefore } from './partition-retention.js';
import type { SchemaOptions } from './schema.js';
import { SPAN_DEAD_LETTER_TABLE, SPAN_TABLE, TRACE_SUMMARY_TABLE, traceTtlTargets } from './trace-schema.js';
import { ClickHouseTraceReads } from './clickhouse-trace-reads.js';

export interface ClickHouseTraceStoreOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly database?: string | undefined;
  readonly cluster?: string | undefined;
  readonly retention: contract.TraceRetention;
  /** Per HTTP request; default 30 s. */
  readonly requestTimeoutMs?: number | undefined;
  /** A read's deadline on the server (max_execution_time); default 30 s. */
  readonly maxExecutionTimeSeconds?: number | undefined;
  readonly now?: () => number;
}

/**
 * Spans in ClickHouse, distributed mode (trace-schema.ts has the tables and why). A write is one
 * insert of the batch's spans; the summary and operation views follow it in the same insert.
 * Writes are idempotent without deduplication tokens: a repeated span collapses in the
 * ReplacingMergeTree, and reads and the summary's aggregates ignore repeats until then, so a
 * batch replayed after a crash, cut differently or not, stores each span once.
 */
export class ClickHouseTraceStore implements contract.TraceStore {
  readonly kind = 'clickhouse';
  private readonly client: ClickHouseClient;
  private readonly schema: SchemaOptions;
  private readonly reads: ClickHouseTraceReads;
  private readonly now: () => number;

  constructor(private readonly options: ClickHouseTraceStoreOptions) {
    const { client, database } = connectClickHouse(options, 'vantage-traces');
    this.client = client;
    this.schema = {
      database,
      cluster: options.cluster === undefined ? undefined : checkIdentifier('cluster', options.cluster),
    };
    const readSettings: ClickHouseSettings = {
      readonly: '2',
      max_execution_time: options.maxExecutionTimeSeconds ?? 30,
    };
    this.reads = new ClickHouseTraceReads(this.schema.database, (query, params) =>
      this.wrap('query', async () => {
        const result = await this.client.query({
          query,
          query_params: params,
          format: 'JSONEachRow',
          clickhouse_settings: readSettings,
        });
        return result.json();
      }),
    );
    this.now = options.now ?? Date.now;
  }

  /**
   * Applies pending migrations (metrics' and traces', one sequence) and aligns the trace tables'
   * TTLs with the trace retention settings. Safe beside ClickHouseStore.migrate().
   */
  async migrate(): Promise<MigrationReport> {
    return this.wrap('migration', async () => {
      const applied = await applyMigrations(this.client, this.schema);
      return {
        applied,
        ...(await syncTtl(this.client, this.schema, traceTtlTargets(this.schema, this.options.retention))),
      };
    });
  }

  async writeSpans(spans: readonly Span[]): Promise<contract.SpanWriteReport> {
    const rows: Record<string, unknown>[] = [];
    const letters: Record<string, unknown>[] = [];
    for (const span of spans) {
      const problem = spanProblem(span);
      if (problem === undefined) rows.push(toRow(span));
      else letters.push(toDeadLetter(span, problem, this.now()));
    }
    // Dead letters first: should the span insert then fail, the retry sets them aside again, which
    // a dead-letter table may show twice but never loses.
    if (letters.length > 0) await this.insert(SPAN_DEAD_LETTER_TABLE, letters);
    if (rows.length > 0) await this.insert(SPAN_TABLE, rows);
    return { stored: rows.length, deadLettered: letters.length };
  }

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

  /**
   * TTLs delete expired rows at merges; this drops, at once, the day partitions wholly past their
   * cutoff (metadata, not a rewrite), as the metric store's retention does.
   */
  async applyTraceRetention(now: number): Promise<{ spansRemoved: number; summariesRemoved: number }> {
    const spansRemoved = await this.dropBefore(SPAN_TABLE, now - this.options.retention.spansMs);
    const summariesRemoved = await this.dropBefore(
      TRACE_SUMMARY_TABLE,
      now - this.options.retention.summariesMs,
    );
    return { spansRemoved, summariesRemoved };
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private async dropBefore(name: string, cutoffMs: number): Promise<number> {
    return this.wrap('retention', () => dropPartitionsBefore(this.client, this.schema, name, cutoffMs));
  }

  private async insert(table: string, values: Record<string, unknown>[]): Promise<void> {
    await this.wrap('insert', () =>
      this.client.insert({
        table: `${this.schema.database}.${table}`,
        values,
        // No deduplication window on these tables: idempotence is the table's, not the insert's.
        format: 'JSONEachRow',
      }),
    );
  }

  private async wrap<T>(what: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      throw new ClickHouseStoreError(`ClickHouse ${what} of spans failed: ${message}`, { cause: err });
    }
  }
}

function toRow(span: Span): Record<string, unknown> {
  const start = BigInt(span.startUnixNano);
  return {
    timestamp: Number(start / 1_000_000_000n),
    service: span.service,
    name: span.name,
    start_ns: start.toString(),
    trace_id: span.traceId,
    span_id: span.spanId,
    parent_span_id: span.parentSpanId,
    kind: SPAN_KINDS.indexOf(span.kind),
    duration_ns: spanDurationNs(span).toString(),
    status: STATUS_CODE[span.status],
    status_message: span.statusMessage ?? '',
    attributes: JSON.stringify(span.attributes),
    events: JSON.stringify(span.events),
    links: JSON.stringify(span.links),
  };
}

function toDeadLetter(span: Span, reason: string, at: number): Record<string, unknown> {
  const record = span as Partial<Span> | null;
  return {
    at: new Date(at).toISOString().replace('T', ' ').replace('Z', ''),
    trace_id: String(record?.traceId ?? ''),
    span_id: String(record?.spanId ?? ''),
    reason,
    span: JSON.stringify(span) ?? 'null',
  };
}
