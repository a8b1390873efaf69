import { SPAN_KINDS } from '../../core/index.js';
import type { Span, SpanAttributes, SpanEvent, SpanLink } from '../../core/index.js';
import {
  STATUS_CODE,
  STATUS_NAME,
  hasSpanConditions,
  nsToEpochMs,
  nsToMs,
  tagCandidates,
} from '../trace-rules.js';
import type { ServiceCall, TraceSearch, TraceSummary } from '../trace-store.js';
import { SERVICE_OPERATION_TABLE, SPAN_TABLE, TRACE_SUMMARY_TABLE } from './trace-schema.js';

type Select = (query: string, params: Record<string, unknown>) => Promise<unknown[]>;

interface SpanRow {
  trace_id: string;
  span_id: string;
  parent_span_id: string;
  service: string;
  name: string;
  kind: number;
  start_ns: string;
  duration_ns: string;
  status: number;
  status_message: string;
  attributes: string;
  events: string;
  links: string;
}

interface SummaryRow {
  trace_id: string;
  first_ns: string;
  last_ns: string;
  spans: string;
  errors: string;
  root: [string, string];
  services: string[];
}

const NS_PER_MS = 1_000_000n;

/** The merged summary of each trace the WHERE lets through (rows of one trace merge here). */
function summarySelect(database: string): string {
  return `SELECT trace_id, toString(min(start_ns)) AS first_ns, toString(max(end_ns)) AS last_ns,
    toString(uniqExactMerge(span_ids)) AS spans, toString(uniqExactIfMerge(error_span_ids)) AS errors,
    argMinMerge(root) AS root, arraySort(groupUniqArrayArray(services)) AS services
  FROM ${database}.${TRACE_SUMMARY_TABLE}`;
}

/**
 * The trace store's reads in ClickHouse SQL, following trace-rules.ts as SqliteTraceReads does;
 * the parity test holds them to the same answers. Every read deduplicates spans not yet merged.
 */
export class ClickHouseTraceReads {
  constructor(
    private readonly database: string,
    private readonly select: Select,
  ) {}

  async trace(traceId: string): Promise<Span[]> {
    if (!/^[0-9a-f]{32}$/.test(traceId)) return [];
    const db = this.database;
    // The summary (sorted by trace id) bounds the partitions the bloom filter is asked about.
    const rows = (await this.select(
      `SELECT trace_id, span_id, parent_span_id, toString(service) AS service, toString(name) AS name, kind,
         toString(start_ns) AS start_ns, toString(duration_ns) AS duration_ns, status, status_message,
         attributes, events, links
       FROM ${db}.${SPAN_TABLE}
       WHERE trace_id = {id:String}
         AND timestamp >= (SELECT toDateTime(intDiv(min(start_ns), 1000000000), 'UTC') FROM ${db}.${TRACE_SUMMARY_TABLE} WHERE trace_id = {id:String})
         AND timestamp <= (SELECT toDateTime(intDiv(max(end_ns), 1000000000), 'UTC') FROM ${db}.${TRACE_SUMMARY_TABLE} WHERE trace_id = {id:String})
       ORDER BY start_ns, span_id
       LIMIT 1 BY span_id`,
      { id: traceId },
    )) as SpanRow[];
    return rows.map(toSpan);
  }

  async search(q: TraceSearch): Promise<TraceSummary[]> {
    const from = (BigInt(q.from) * NS_PER_MS).toString();
    const to = (BigInt(q.to) * NS_PER_MS).toString();
    const params: Record<string, unknown> = { from, to, limit: q.limit };
    let where: string;
    if (!hasSpanConditions(q)) {
      where = `trace_id IN (SELECT trace_id FROM ${this.database}.${TRACE_SUMMARY_TABLE}
                WHERE start_ns >= {from:Int64} AND start_ns < {to:Int64})`;
    } else {
      const conditions = [
        'start_ns >= {from:Int64}',
        'start_ns < {to:Int64}',
        // The day partitions of the range (start_ns is not the partition key).
        'timestamp >= toDateTime(intDiv({from:Int64}, 1000000000))',
        'timestamp <= toDateTime(intDiv({to:Int64}, 1000000000))',
      ];
      if (q.service !== undefined) {
        conditions.push('service = {service:String}');
        params['service'] = q.service;
      }
      if (q.operation !== undefined) {
        conditions.push('name = {operation:String}');
        params['operation'] = q.operation;
      }
      if (q.minDurationMs !== undefined) {
        conditions.push('duration_ns >= {minNs:Int64}');
        params['minNs'] = Math.round(q.minDurationMs * 1e6);
      }
      if (q.maxDurationMs !== undefined) {
        conditions.push('duration_ns <= {maxNs:Int64}');
        params['maxNs'] = Math.round(q.maxDurationMs * 1e6);
      }
      if (q.status !== undefined)
        conditions.push(`status ${q.status === 'error' ? '=' : '!='} ${STATUS_CODE.error}`);
      Object.entries(q.tags ?? {}).forEach(([key, value], i) => {
        params[`tk${i}`] = key;
        params[`tv${i}`] = tagCandidates(value);
        conditions.push(`has({tv${i}:Array(String)}, JSONExtractRaw(attributes, {tk${i}:String}))`);
      });
      where = `trace_id IN (SELECT DISTINCT trace_id FROM ${this.database}.${SPAN_TABLE} WHERE ${conditions.join(' AND ')})`;
    }
    const having = hasSpanConditions(q)
      ? ''
      : 'HAVING min(start_ns) >= {from:Int64} AND min(start_ns) < {to:Int64}';
    const rows = (await this.select(
      `${summarySelect(this.database)} WHERE ${where} GROUP BY trace_id ${having}
       ORDER BY min(start_ns) DESC, trace_id LIMIT {limit:UInt32}`,
      params,
    )) as SummaryRow[];
    return rows.map(toSummary);
  }

  async serviceCalls(from: number, to: number): Promise<ServiceCall[]> {
    const db = this.database;
    const range = `start_ns >= {from:Int64} AND start_ns < {to:Int64}
      AND timestamp >= toDateTime(intDiv({from:Int64}, 1000000000)) AND timestamp <= toDateTime(intDiv({to:Int64}, 1000000000))`;
    const rows = (await this.select(
      `SELECT p.service AS parent, c.service AS child, toString(count()) AS calls,
         toString(countIf(c.status = ${STATUS_CODE.error})) AS errors,
         toString(arrayElement(arraySort(groupArray(c.duration_ns)), toUInt64(greatest(1, ceil(0.95 * count()))))) AS p95
       FROM (
         SELECT trace_id, span_id, parent_span_id, toString(service) AS service, duration_ns, status
         FROM ${db}.${SPAN_TABLE} WHERE ${range} AND parent_span_id != ''
         LIMIT 1 BY trace_id, span_id) AS c
       INNER JOIN (
         SELECT DISTINCT trace_id, span_id, toString(service) AS service
         FROM ${db}.${SPAN_TABLE}
         WHERE trace_id IN (SELECT trace_id FROM ${db}.${SPAN_TABLE} WHERE ${range} AND parent_span_id != '')) AS p
       ON p.trace_id = c.trace_id AND p.span_id = c.parent_span_id
       WHERE p.service != c.service
       GROUP BY parent, child
       ORDER BY parent, child`,
      { from: (BigInt(from) * NS_PER_MS).toString(), to: (BigInt(to) * NS_PER_MS).toString() },
    )) as { parent: string; child: string; calls: string; errors: string; p95: string }[];
    return rows.map((r) => ({
      parent: r.parent,
      child: r.child,
      calls: Number(r.calls),
      errors: Number(r.errors),
      p95Ms: nsToMs(BigInt(r.p95)),
    }));
  }

  async services(): Promise<string[]> {
    const rows = (await this.select(
      `SELECT DISTINCT toString(service) AS service FROM ${this.database}.${SERVICE_OPERATION_TABLE} ORDER BY service`,
      {},
    )) as { service: string }[];
    return rows.map((r) => r.service);
  }

  async operations(service: string): Promise<string[]> {
    const rows = (await this.select(
      `SELECT DISTINCT name FROM ${this.database}.${SERVICE_OPERATION_TABLE} WHERE service = {service:String} ORDER BY name`,
      { service },
    )) as { name: string }[];
    return rows.map((r) => r.name);
  }
}

function toSummary(r: SummaryRow): TraceSummary {
  const start = BigInt(r.first_ns);
  return {
    traceId: r.trace_id,
    rootService: r.root[0],
    rootOperation: r.root[1],
    start: nsToEpochMs(start),
    durationMs: nsToMs(BigInt(r.last_ns) - start),
    spanCount: Number(r.spans),
    errorCount: Number(r.errors),
    services: r.services,
  };
}

function toSpan(r: SpanRow): Span {
  const start = BigInt(r.start_ns);
  return {
    traceId: r.trace_id,
    spanId: r.span_id,
    parentSpanId: r.parent_span_id,
    service: r.service,
    name: r.name,
    kind: SPAN_KINDS[r.kind] ?? 'unspecified',
    startUnixNano: start.toString(),
    endUnixNano: (start + BigInt(r.duration_ns)).toString(),
    status: STATUS_NAME[r.status] ?? 'unset',
    statusMessage: r.status_message,
    attributes: JSON.parse(r.attributes) as SpanAttributes,
    events: JSON.parse(r.events) as SpanEvent[],
    links: JSON.parse(r.links) as SpanLink[],
  };
}
