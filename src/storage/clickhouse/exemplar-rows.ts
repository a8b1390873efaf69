import { EXEMPLARS_PER_SERIES_MINUTE, MINUTE_MS, floorTo } from '../../core/index.js';
import type { MetricType, SeriesExemplars } from '../../core/index.js';
import type { ExemplarQuery, ExemplarRecord } from '../store.js';
import { dateTime64Text, seriesId } from './rows.js';

/** A row of the exemplar table in JSONEachRow form. */
export interface ExemplarRow {
  service_name: string;
  metric_name: string;
  type: string;
  series_id: string;
  /** The minute, Unix seconds. */
  timestamp: number;
  tags: string;
  exemplar_ts: string;
  value: number;
  trace_id: string;
  span_id: string;
}

export function toExemplarRows(groups: readonly SeriesExemplars[]): ExemplarRow[] {
  const rows: ExemplarRow[] = [];
  for (const g of groups) {
    const id = seriesId(g.type, g.tags);
    for (const e of g.exemplars) {
      rows.push({
        service_name: g.service,
        metric_name: g.name,
        type: g.type,
        series_id: id,
        timestamp: Math.floor(g.start / 1000),
        tags: g.tags,
        exemplar_ts: dateTime64Text(e.timestamp),
        value: e.value,
        trace_id: e.traceId,
        span_id: e.spanId,
      });
    }
  }
  return rows;
}

/**
 * A metric's exemplars in a range, newest first. Batches append, so one series-minute may hold
 * more than a few rows: LIMIT BY keeps the first few of each by exemplarOrder (time, value, ids,
 * all descending), the rule the collector and the worker apply.
 */
export function exemplarsSql(
  table: string,
  q: ExemplarQuery,
): { sql: string; params: Record<string, unknown>; toRecord: (r: StoredExemplar) => ExemplarRecord } {
  return {
    sql: `SELECT type, tags, toUnixTimestamp64Milli(exemplar_ts) AS at, value,
              trace_id AS traceId, span_id AS spanId
       FROM ${table}
       WHERE service_name = {service:String} AND metric_name = {metric:String}
         AND timestamp >= toDateTime({firstMinute:UInt32}, 'UTC')
         AND timestamp < toDateTime({lastSecond:UInt32}, 'UTC')
         AND exemplar_ts >= fromUnixTimestamp64Milli({from:Int64}, 'UTC')
         AND exemplar_ts < fromUnixTimestamp64Milli({to:Int64}, 'UTC')
       ORDER BY timestamp DESC, exemplar_ts DESC, value DESC, trace_id DESC, span_id DESC, tags
       LIMIT ${EXEMPLARS_PER_SERIES_MINUTE} BY type, series_id, timestamp
       LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
    params: {
      service: q.service,
      metric: q.metric,
      firstMinute: Math.floor(floorTo(q.from, MINUTE_MS) / 1000),
      lastSecond: Math.ceil(q.to / 1000),
      from: q.from,
      to: q.to,
      limit: q.limit,
      offset: q.offset,
    },
    toRecord: (r) => ({
      type: r.type as MetricType,
      tags: r.tags,
      timestamp: Number(r.at),
      value: r.value,
      traceId: r.traceId,
      spanId: r.spanId,
    }),
  };
}

/** A row as ClickHouse answers it: 64-bit integers come as text. */
export interface StoredExemplar {
  readonly type: string;
  readonly tags: string;
  /** Not `timestamp`: in ClickHouse an alias would shadow the minute column in WHERE. */
  readonly at: string;
  readonly value: number;
  readonly traceId: string;
  readonly spanId: string;
}
