import type { TraceRetention } from '../trace-store.js';
import { distributedTable, engine, onCluster, setAsideTable, storageTable, ttlExpression } from './schema.js';
import type { Migration, SchemaOptions } from './schema.js';

export const SPAN_TABLE = 'spans';
export const TRACE_SUMMARY_TABLE = 'trace_summaries';
export const SERVICE_OPERATION_TABLE = 'service_operations';
export const SPAN_DEAD_LETTER_TABLE = 'span_dead_letters';

/**
 * Spans: a ReplacingMergeTree whose sorting key holds (trace_id, span_id), so a span stored twice
 * (a replayed bus message) collapses at merges; before then every read deduplicates (LIMIT 1 BY,
 * DISTINCT, or aggregates that ignore repeats), so answers are right at once.
 *
 * Sorted by (service, name, start_ns): a search by service and operation over a time range reads
 * one run of the key. Trace by id goes through a bloom filter on trace_id (one per granule) and is
 * pruned to the day partitions between the trace's first and last span, which the summary table
 * (sorted by trace_id) gives.
 *
 * Codecs, measured against ClickHouse's default (LZ4) on 200,000 fixture spans (bench/trace-bench.ts,
 * BENCH_TRACE_CODECS; docs/benchmarks.md): about 26 bytes per span against 47. Times in key order
 * are near-monotonic within a service and operation, so DoubleDelta then ZSTD (timestamp 0.3 bytes
 * against 1.3, start_ns 4.8 against 6.7); durations T64+ZSTD (3.5 against 5.6); ids are random
 * hex, where ZSTD's entropy stage still saves (trace_id 1.9 against 4.8: sorted by service, a
 * trace's spans sit close); attributes, events, links are JSON text with repeated keys, ZSTD(3)
 * (attributes 7.8 against 16.5).
 */
function spanTable(o: SchemaOptions): string {
  const t = storageTable(o, SPAN_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  timestamp DateTime('UTC') CODEC(DoubleDelta, ZSTD(1)),
  service LowCardinality(String),
  name LowCardinality(String),
  start_ns Int64 CODEC(DoubleDelta, ZSTD(1)),
  trace_id String CODEC(ZSTD(1)),
  span_id String CODEC(ZSTD(1)),
  parent_span_id String CODEC(ZSTD(1)),
  kind UInt8 CODEC(ZSTD(1)),
  duration_ns Int64 CODEC(T64, ZSTD(1)),
  status UInt8 CODEC(ZSTD(1)),
  status_message String CODEC(ZSTD(1)),
  attributes String CODEC(ZSTD(3)),
  events String CODEC(ZSTD(3)),
  links String CODEC(ZSTD(3)),
  INDEX trace_id_bloom trace_id TYPE bloom_filter(0.01) GRANULARITY 1
) ENGINE = ${engine(o, 'Replacing', t)}
PARTITION BY toDate(timestamp)
ORDER BY (service, name, start_ns, trace_id, span_id)`;
}

/**
 * One row per trace and insert, merged by AggregatingMergeTree. Every aggregate ignores repeats
 * (min, max, uniqExact of span ids, argMin, groupUniqArray), so a replayed span changes nothing:
 * no deduplication token needed, whatever batches the replay is cut into. The root is the argMin
 * of (has a parent, start, span id): trace-rules.ts's rule.
 */
function summaryTable(o: SchemaOptions): string {
  const t = storageTable(o, TRACE_SUMMARY_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  trace_id String CODEC(ZSTD(1)),
  timestamp SimpleAggregateFunction(min, DateTime('UTC')),
  start_ns SimpleAggregateFunction(min, Int64),
  end_ns SimpleAggregateFunction(max, Int64),
  span_ids AggregateFunction(uniqExact, String),
  error_span_ids AggregateFunction(uniqExactIf, String, UInt8),
  root AggregateFunction(argMin, Tuple(String, String), Tuple(UInt8, Int64, String)),
  services SimpleAggregateFunction(groupUniqArrayArray, Array(String)),
  INDEX start_minmax start_ns TYPE minmax GRANULARITY 1
) ENGINE = ${engine(o, 'Aggregating', t)}
PARTITION BY toDate(timestamp)
ORDER BY trace_id`;
}

function summaryView(o: SchemaOptions): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.${storageTable(o, TRACE_SUMMARY_TABLE)}_mv${onCluster(o)}
TO ${o.database}.${storageTable(o, TRACE_SUMMARY_TABLE)} AS
SELECT trace_id, min(ts) AS timestamp, min(st) AS start_ns, max(st + dur) AS end_ns,
  uniqExactState(sid) AS span_ids, uniqExactIfState(sid, toUInt8(code = 2)) AS error_span_ids,
  argMinState((svc, op), (toUInt8(parent != ''), st, sid)) AS root,
  groupUniqArray(svc) AS services
FROM (
  -- Other names than the view's columns: an alias would otherwise stand for its column inside
  -- the other aggregates.
  SELECT trace_id, timestamp AS ts, start_ns AS st, duration_ns AS dur, span_id AS sid, status AS code,
    toString(service) AS svc, toString(name) AS op, parent_span_id AS parent
  FROM ${o.database}.${storageTable(o, SPAN_TABLE)})
GROUP BY trace_id`;
}

/** Jaeger's service and operation lists: a few rows, not a scan of the spans. */
function operationTable(o: SchemaOptions): string {
  const t = storageTable(o, SERVICE_OPERATION_TABLE);
  return `CREATE TABLE IF NOT EXISTS ${o.database}.${t}${onCluster(o)} (
  service LowCardinality(String),
  name String,
  timestamp SimpleAggregateFunction(max, DateTime('UTC'))
) ENGINE = ${engine(o, 'Aggregating', t)}
ORDER BY (service, name)`;
}

function operationView(o: SchemaOptions): string {
  return `CREATE MATERIALIZED VIEW IF NOT EXISTS ${o.database}.${storageTable(o, SERVICE_OPERATION_TABLE)}_mv${onCluster(o)}
TO ${o.database}.${storageTable(o, SERVICE_OPERATION_TABLE)} AS
SELECT svc AS service, op AS name, max(ts) AS timestamp
FROM (SELECT service AS svc, toString(name) AS op, timestamp AS ts FROM ${o.database}.${storageTable(o, SPAN_TABLE)})
GROUP BY svc, op`;
}

function deadLetterTable(o: SchemaOptions): string {
  return setAsideTable(
    o,
    SPAN_DEAD_LETTER_TABLE,
    ['trace_id String', 'span_id String', 'reason String', 'span String CODEC(ZSTD(3))'],
    ['PARTITION BY toYYYYMM(at)', 'ORDER BY at', 'TTL toDateTime(at) + toIntervalDay(30)'],
  );
}

export const TRACE_MIGRATIONS: readonly Migration[] = [
  {
    version: 6,
    name: 'spans, trace summaries, service operations, span dead letters',
    statements(o) {
      const distributed = o.cluster
        ? [
            distributedTable(o, SPAN_TABLE, 'cityHash64(trace_id)'),
            distributedTable(o, TRACE_SUMMARY_TABLE, 'cityHash64(trace_id)'),
            distributedTable(o, SERVICE_OPERATION_TABLE, 'cityHash64(service)'),
            distributedTable(o, SPAN_DEAD_LETTER_TABLE, 'rand()'),
          ]
        : [];
      return [
        spanTable(o),
        summaryTable(o),
        operationTable(o),
        deadLetterTable(o),
        ...distributed,
        summaryView(o),
        operationView(o),
      ];
    },
  },
];

/** The TTL each trace table should have: spans 30 days, summaries 90, operations as spans. */
export function traceTtlTargets(
  o: SchemaOptions,
  retention: TraceRetention,
): { table: string; expression: string | null }[] {
  return [
    { table: storageTable(o, SPAN_TABLE), expression: ttlExpression('timestamp', retention.spansMs) },
    {
      table: storageTable(o, TRACE_SUMMARY_TABLE),
      expression: ttlExpression('timestamp', retention.summariesMs),
    },
    {
      table: storageTable(o, SERVICE_OPERATION_TABLE),
      expression: ttlExpression('timestamp', retention.spansMs),
    },
  ];
}
