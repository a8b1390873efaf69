import type { Database as Db, Statement } from 'better-sqlite3';
import { SPAN_KINDS } from '../../core/index.js';
import type { Span, SpanAttributes, SpanEvent, SpanLink } from '../../core/index.js';
import {
  STATUS_CODE,
  STATUS_NAME,
  hasSpanConditions,
  nearestRank,
  nsToEpochMs,
  nsToMs,
  tagCandidates,
} from '../trace-rules.js';
import type { ServiceCall, TraceSearch, TraceSummary } from '../trace-store.js';
import { SPAN_TABLE, TRACE_SUMMARY_TABLE } from './trace-schema.js';

interface SpanRow {
  trace_id: Buffer;
  span_id: Buffer;
  parent_span_id: Buffer;
  service: string;
  name: string;
  kind: bigint;
  start_ns: bigint;
  duration_ns: bigint;
  status: bigint;
  status_message: string;
  attributes: string;
  events: string;
  links: string;
}

interface SummaryRow {
  trace_id: Buffer;
  start_ns: bigint;
  end_ns: bigint;
  span_count: bigint;
  error_count: bigint;
  root_service: string;
  root_operation: string;
  services: string;
}

const NS_PER_MS = 1_000_000n;

/** A read of the trace store, as it is sent to a query thread (sqlite-trace-query-thread.ts). */
export type TraceReadRequest =
  | { readonly op: 'trace'; readonly traceId: string }
  | { readonly op: 'search'; readonly query: TraceSearch }
  | { readonly op: 'serviceCalls'; readonly from: number; readonly to: number }
  | { readonly op: 'services' }
  | { readonly op: 'operations'; readonly service: string };

export interface TraceReadAnswers {
  trace: Span[];
  search: TraceSummary[];
  serviceCalls: ServiceCall[];
  services: string[];
  operations: string[];
}

export type TraceReadAnswer<R extends TraceReadRequest> = TraceReadAnswers[R['op']];

/** Reads by index (one trace, the listings) take milliseconds; search and the service map scan. */
export function traceReadLane(request: TraceReadRequest): 'light' | 'heavy' {
  return request.op === 'search' || request.op === 'serviceCalls' ? 'heavy' : 'light';
}

export function answerTraceRead<R extends TraceReadRequest>(
  reads: SqliteTraceReads,
  request: R,
): TraceReadAnswer<R> {
  switch (request.op) {
    case 'trace':
      return reads.trace(request.traceId) as TraceReadAnswer<R>;
    case 'search':
      return reads.search(request.query) as TraceReadAnswer<R>;
    case 'serviceCalls':
      return reads.serviceCalls(request.from, request.to) as TraceReadAnswer<R>;
    case 'services':
      return reads.services() as TraceReadAnswer<R>;
    case 'operations':
      return reads.operations(request.service) as TraceReadAnswer<R>;
  }
}

/** A JSON path for one attribute key (keys with quotes or backslashes are refused by the API). */
function attributePath(key: string): string {
  return `$."${key}"`;
}

/**
 * The trace store's reads, on a reader connection of their own (WAL: they run beside the worker's
 * writes). The rules they follow are trace-rules.ts's, shared with ClickHouse.
 */
export class SqliteTraceReads {
  private readonly byTrace: Statement;
  private readonly servicesList: Statement;
  private readonly operationsList: Statement;

  constructor(private readonly db: Db) {
    this.byTrace = db
      .prepare(`SELECT * FROM ${SPAN_TABLE} WHERE trace_id = ? ORDER BY start_ns, span_id`)
      .safeIntegers(true);
    this.servicesList = db.prepare('SELECT DISTINCT service FROM service_operation ORDER BY service').pluck();
    this.operationsList = db
      .prepare('SELECT name FROM service_operation WHERE service = ? ORDER BY name')
      .pluck();
  }

  trace(traceId: string): Span[] {
    if (!/^[0-9a-f]{32}$/.test(traceId)) return [];
    return (this.byTrace.all(Buffer.from(traceId, 'hex')) as SpanRow[]).map(toSpan);
  }

  search(q: TraceSearch): TraceSummary[] {
    const from = BigInt(q.from) * NS_PER_MS;
    const to = BigInt(q.to) * NS_PER_MS;
    if (!hasSpanConditions(q)) {
      const rows = this.db
        .prepare(
          `SELECT * FROM ${TRACE_SUMMARY_TABLE} WHERE start_ns >= ? AND start_ns < ?
           ORDER BY start_ns DESC, trace_id LIMIT ?`,
        )
        .safeIntegers(true)
        .all(from, to, q.limit) as SummaryRow[];
      return rows.map(toSummary);
    }
    const where = ['start_ns >= ?', 'start_ns < ?'];
    const params: unknown[] = [from, to];
    if (q.service !== undefined) {
      where.push('service = ?');
      params.push(q.service);
    }
    if (q.operation !== undefined) {
      where.push('name = ?');
      params.push(q.operation);
    }
    if (q.minDurationMs !== undefined) {
      where.push('duration_ns >= ?');
      params.push(msToNs(q.minDurationMs));
    }
    if (q.maxDurationMs !== undefined) {
      where.push('duration_ns <= ?');
      params.push(msToNs(q.maxDurationMs));
    }
    if (q.status !== undefined) {
      where.push(q.status === 'error' ? 'status = ?' : 'status != ?');
      params.push(STATUS_CODE.error);
    }
    for (const [key, value] of Object.entries(q.tags ?? {})) {
      const candidates = tagCandidates(value);
      where.push(`attributes -> ? IN (${candidates.map(() => '?').join(', ')})`);
      params.push(attributePath(key), ...candidates);
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM ${TRACE_SUMMARY_TABLE} WHERE trace_id IN (
           SELECT trace_id FROM ${SPAN_TABLE} WHERE ${where.join(' AND ')})
         ORDER BY start_ns DESC, trace_id LIMIT ?`,
      )
      .safeIntegers(true)
      .all(...params, q.limit) as SummaryRow[];
    return rows.map(toSummary);
  }

  serviceCalls(from: number, to: number): ServiceCall[] {
    const rows = this.db
      .prepare(
        `SELECT p.service AS parent, c.service AS child, c.duration_ns AS d, c.status AS status
         FROM ${SPAN_TABLE} c JOIN ${SPAN_TABLE} p
           ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
         WHERE c.start_ns >= ? AND c.start_ns < ? AND length(c.parent_span_id) > 0 AND p.service != c.service`,
      )
      .safeIntegers(true)
      .all(BigInt(from) * NS_PER_MS, BigInt(to) * NS_PER_MS) as {
      parent: string;
      child: string;
      d: bigint;
      status: bigint;
    }[];
    const edges = new Map<string, { parent: string; child: string; durations: number[]; errors: number }>();
    for (const r of rows) {
      const key = `${r.parent}\u0000${r.child}`;
      let edge = edges.get(key);
      if (edge === undefined) {
        edge = { parent: r.parent, child: r.child, durations: [], errors: 0 };
        edges.set(key, edge);
      }
      edge.durations.push(nsToMs(r.d));
      if (Number(r.status) === STATUS_CODE.error) edge.errors += 1;
    }
    return [...edges.values()]
      .map((e) => ({
        parent: e.parent,
        child: e.child,
        calls: e.durations.length,
        errors: e.errors,
        p95Ms: nearestRank(
          e.durations.sort((a, b) => a - b),
          0.95,
        ),
      }))
      .sort((a, b) => (a.parent === b.parent ? cmp(a.child, b.child) : cmp(a.parent, b.parent)));
  }

  services(): string[] {
    return this.servicesList.all() as string[];
  }

  operations(service: string): string[] {
    return this.operationsList.all(service) as string[];
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Whole nanoseconds of a duration in ms, rounded so that 1.5 ms is 1,500,000 ns exactly. */
export function msToNs(ms: number): bigint {
  return BigInt(Math.round(ms * 1e6));
}

function toSummary(r: SummaryRow): TraceSummary {
  return {
    traceId: r.trace_id.toString('hex'),
    rootService: r.root_service,
    rootOperation: r.root_operation,
    start: nsToEpochMs(r.start_ns),
    durationMs: nsToMs(r.end_ns - r.start_ns),
    spanCount: Number(r.span_count),
    errorCount: Number(r.error_count),
    services: JSON.parse(r.services) as string[],
  };
}

function toSpan(r: SpanRow): Span {
  const start = r.start_ns;
  return {
    traceId: r.trace_id.toString('hex'),
    spanId: r.span_id.toString('hex'),
    parentSpanId: r.parent_span_id.toString('hex'),
    service: r.service,
    name: r.name,
    kind: SPAN_KINDS[Number(r.kind)] ?? 'unspecified',
    startUnixNano: start.toString(),
    endUnixNano: (start + r.duration_ns).toString(),
    status: STATUS_NAME[Number(r.status)] ?? 'unset',
    statusMessage: r.status_message,
    attributes: JSON.parse(r.attributes) as SpanAttributes,
    events: JSON.parse(r.events) as SpanEvent[],
    links: JSON.parse(r.links) as SpanLink[],
  };
}
