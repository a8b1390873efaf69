import { connectClickHouse } from './clickhouse-connection.js';
import { randomUUID } from 'node:crypto';
import type { ClickHouseClient, ClickHouseSettings } from '@clickhouse/client';
import { decodePosition, encodePosition, TIERS, VantageError } from '../../core/index.js';
import type {
  Aggregate,
  CumulativePosition,
  MetricType,
  SeriesExemplars,
  TierRetention,
} from '../../core/index.js';
import { tagRollupKey } from '../../query/index.js';
import type { LogicalPlan, VqlRow } from '../../query/index.js';
import type * as contract from '../store.js';
import type { Checkpoint, DeadLetter, SavedPosition, WriteReport } from '../store.js';
import type { BatchPresence, BatchScope } from '../batch-presence.js';
import { runMigrations } from './migrator.js';
import type { MigrationReport } from './migrator.js';
import { compileClickHouse, seriesLackingKeySql } from './clickhouse-compiler.js';
import { bucketQuerySql, groupTypesSql, toBucket } from './bucket-query.js';
import type { BucketRow } from './bucket-query.js';
import { dateTime64Text, dedupToken, seriesInfo, toMetricRow } from './rows.js';
import { bisectRefused, deadLetterRecord, fromStoredRow, sortForStorage } from '../dead-letters.js';
import type { StoredDeadLetterRow } from '../dead-letters.js';
import { overLimitError } from './read-limits.js';
import { metricsPageSql, servicesPageSql } from './catalog-query.js';
import { DEFAULT_ANSWER_LIMITS, checkBucketQuery, tooManySeries } from '../answer-limits.js';
import type { AnswerLimits } from '../answer-limits.js';
import type { SeriesInfo } from './rows.js';
import {
  BATCH_TOKEN_COLUMN,
  CHECKPOINT_TABLE,
  POSITION_TABLE,
  DEAD_LETTER_TABLE,
  EXEMPLAR_TABLE,
  SERIES_TABLE,
  TIER_TABLES,
  checkIdentifier,
  deleteSilentSeriesStatement,
  storageTable,
} from './schema.js';
import type { SchemaOptions } from './schema.js';
import { METRIC_ROLLUP_TABLES, rollupCutoffSql } from './metric-rollup-schema.js';
import { TAG_ROLLUP_TABLES, tagCutoffsSql } from './tag-rollup-schema.js';
import { bucketSource } from './bucket-source.js';
import { RollupCutoff } from './rollup-cutoff.js';
import { dropPartitionsBefore } from './partition-retention.js';
import { isServerTimeout, toVqlRow } from './vql-rows.js';
import { exemplarsSql, toExemplarRows } from './exemplar-rows.js';
import type { StoredExemplar } from './exemplar-rows.js';
import type { RawVqlRow } from './vql-rows.js';

/** Limits applied to every read, as the query API's read-only user would have them. */
export interface ClickHouseQueryLimits {
  readonly maxExecutionTimeSeconds: number;
  readonly maxResultRows: number;
  readonly maxMemoryUsageBytes: number;
}

export interface ClickHouseStoreOptions {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  /** Default 'vantage'. */
  readonly database?: string | undefined;
  /** Cluster for ON CLUSTER DDL, Replicated tables and Distributed tables sharded by service. */
  readonly cluster?: string | undefined;
  readonly retention: TierRetention;
  /** Per HTTP request; default 30 s. */
  readonly requestTimeoutMs?: number | undefined;
  readonly queryLimits?: Partial<ClickHouseQueryLimits> | undefined;
  /** Bounds of answers and of rows read (max_rows_to_read); default DEFAULT_ANSWER_LIMITS. */
  readonly answerLimits?: AnswerLimits | undefined;
  /**
   * Store each row's insert token in BATCH_TOKEN_COLUMN: what a fallback worker's writes need so
   * the query API can tell which outbox batches ClickHouse holds (storedRows). Off, the column
   * stays empty and costs nothing; on, about 1-2 bytes per row (docs/benchmarks.md).
   */
  readonly recordBatchTokens?: boolean | undefined;
  /** Tag keys migrate() starts rolling up per value (`--rollup-tags`, tag-rollup-schema.ts). */
  readonly rollupTags?: readonly string[] | undefined;
}

export const DEFAULT_QUERY_LIMITS: ClickHouseQueryLimits = {
  maxExecutionTimeSeconds: 30,
  maxResultRows: 1_000_000,
  maxMemoryUsageBytes: 2 * 1024 ** 3,
};

/** A ClickHouse failure, with the driver's error as `cause`. */
export class ClickHouseStoreError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    Object.setPrototypeOf(this, new.target.prototype);
  }
}

const SERIES_CACHE_LIMIT = 100_000;

/**
 * ClickHouse's answers that blame the rows being inserted: the same rows fail the same way however
 * often they are retried. Timeouts, memory, too many parts, network and the like pass.
 */
const RECORD_ERROR_TYPES =
  /^(CANNOT_PARSE_\w+|TYPE_MISMATCH|INCORRECT_DATA|TOO_LARGE_STRING_SIZE|VALUE_IS_OUT_OF_RANGE_OF_DATA_TYPE|CANNOT_CONVERT_TYPE|ARGUMENT_OUT_OF_BOUND|CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN|INCORRECT_NUMBER_OF_COLUMNS)$/;

/**
 * Whether a failed insert failed because of what it held: ClickHouse refused its rows' values, or
 * one of our row encoders refused an aggregate (a RangeError).
 */
export function isRecordError(err: unknown): boolean {
  const cause = err instanceof ClickHouseStoreError ? err.cause : err;
  if (cause instanceof RangeError) return true;
  const type = (cause as { type?: unknown } | null)?.type;
  return typeof type === 'string' && RECORD_ERROR_TYPES.test(type);
}

/**
 * Tokens asked about per storedRows query: they travel as a URL parameter (about 80 bytes each),
 * and an outbox after a long outage can name thousands.
 */
const TOKENS_PER_QUERY = 200;

/**
 * How long past max_execution_time a VQL query may take before the store gives up on the server's
 * answer: the server checks its limit between blocks, and the answer still has to travel.
 */
const VQL_DEADLINE_GRACE_MS = 1_000;

/**
 * The distributed store. The stored unit is a partial minute aggregate: every write is an append,
 * and partials of one series-minute (several collectors, flushes, batches) merge at query time with
 * GROUP BY, so correctness never waits for a background merge. Rollup tiers are materialized views.
 */
export class ClickHouseStore implements contract.Store, BatchPresence {
  readonly kind = 'clickhouse';
  private readonly client: ClickHouseClient;
  private readonly schema: SchemaOptions;
  private readonly readSettings: ClickHouseSettings;
  private readonly limits: ClickHouseQueryLimits;
  private readonly answerLimits: AnswerLimits;
  private readonly series = new Map<string, SeriesInfo>();
  private checkpointVersion = 0;
  private readonly rollupCutoff = new RollupCutoff(async () => {
    const [row] = await this.select<{ cutoff: string; records: string }>(rollupCutoffSql(this.schema), {});
    return row === undefined || Number(row.records) === 0 ? null : Number(row.cutoff);
  });
  private readonly tagCutoffs = new RollupCutoff<ReadonlyMap<string, number>>(async () => {
    const rows = await this.select<{ key: string; cutoff: string }>(tagCutoffsSql(this.schema));
    return new Map(rows.map((r) => [r.key, Number(r.cutoff)]));
  });

  constructor(private readonly options: ClickHouseStoreOptions) {
    const { client, database } = connectClickHouse(options, 'vantage');
    this.client = client;
    this.schema = {
      database,
      cluster: options.cluster === undefined ? undefined : checkIdentifier('cluster', options.cluster),
    };
    const limits = { ...DEFAULT_QUERY_LIMITS, ...options.queryLimits };
    this.limits = limits;
    this.answerLimits = options.answerLimits ?? DEFAULT_ANSWER_LIMITS;
    // readonly=2 (not 1): reads only, while still allowing these per-query limits to be set.
    this.readSettings = {
      readonly: '2',
      max_execution_time: limits.maxExecutionTimeSeconds,
      max_result_rows: String(limits.maxResultRows),
      result_overflow_mode: 'throw',
      max_memory_usage: String(limits.maxMemoryUsageBytes),
      // The server counts what it reads and stops there, so a query over the cost limit is
      // refused without an estimate of our own.
      max_rows_to_read: String(this.answerLimits.maxRowsScanned),
      read_overflow_mode: 'throw',
    };
  }

  get database(): string {
    return this.schema.database;
  }

  /** Applies pending migrations and aligns TTLs with the retention settings. */
  async migrate(): Promise<MigrationReport> {
    return this.wrap('migration', () =>
      runMigrations(this.client, this.schema, this.options.retention, undefined, this.options.rollupTags),
    );
  }

  /**
   * Two statements, not one transaction: the data insert, then the checkpoint insert. The data
   * carries a deduplication token derived from the checkpoints, so if the process dies between
   * the two, the replayed batch is dropped by ClickHouse instead of counted twice.
   */
  async write(
    aggregates: readonly Aggregate[],
    checkpoints: readonly Checkpoint[],
    positions: readonly SavedPosition[] = [],
    exemplars: readonly SeriesExemplars[] = [],
  ): Promise<WriteReport> {
    const { storable, refused } = sortForStorage(aggregates);
    // Without checkpoints a write repeats nothing, yet an identical block would be taken for a
    // repeat by its content hash; a token of its own keeps it (insert_deduplicate=0 is not
    // honoured by every version: 26.x has deduplicate_insert instead).
    const token = dedupToken(checkpoints) ?? `vantage-once-${randomUUID()}`;
    if (storable.length > 0) {
      try {
        await this.insertRows(storable, token);
      } catch (err) {
        if (!isRecordError(err)) throw err;
        // Each part's token derives from the batch's and the part's path: a replay of this batch
        // splits it the same way, and ClickHouse drops the parts it holds already.
        const parts = (part: readonly Aggregate[], path: string): Promise<void> =>
          this.insertRows(part, `${token}/${path}`);
        refused.push(...(await bisectRefused(storable, parts, isRecordError, err)));
      }
    }
    if (refused.length > 0) await this.insertDeadLetters(refused, checkpoints, `${token}/dead`);
    if (exemplars.length > 0) {
      // Deduplicated like the data: a replayed batch brings the same exemplars under the same token.
      await this.wrap('exemplar write', () =>
        this.client.insert({
          table: this.table(EXEMPLAR_TABLE),
          values: toExemplarRows(exemplars),
          format: 'JSONEachRow',
          clickhouse_settings: {
            insert_deduplication_token: `${token}/exemplars`,
            precise_float_parsing: 1,
            ...(this.schema.cluster ? { distributed_foreground_insert: 1 } : {}),
          },
        }),
      );
    }
    if (positions.length > 0) {
      await this.wrap('cumulative position write', () =>
        this.client.insert({
          table: this.table(POSITION_TABLE),
          values: positions.map((p) => ({
            key: p.key,
            at: p.position.timestamp,
            position: encodePosition(p.position).toString('base64'),
          })),
          format: 'JSONEachRow',
          clickhouse_settings: this.schema.cluster ? { distributed_foreground_insert: 1 } : {},
        }),
      );
    }
    if (checkpoints.length > 0) {
      // Versions increase within this process; one worker owns a partition at a time.
      const base = Date.now() * 1000;
      this.checkpointVersion = Math.max(this.checkpointVersion + 1, base);
      const version = this.checkpointVersion;
      await this.wrap('checkpoint write', () =>
        this.client.insert({
          table: this.table(CHECKPOINT_TABLE),
          values: checkpoints.map((c) => ({ ...c, version })),
          format: 'JSONEachRow',
          clickhouse_settings: this.schema.cluster ? { distributed_foreground_insert: 1 } : {},
        }),
      );
    }
    return { deadLetters: refused };
  }

  /**
   * One insert of minute rows, atomic and deduplicated by `token`. Two statements per write, not
   * one transaction: the data, then the checkpoint. The data carries a token derived from the
   * checkpoints, so if the process dies between the two, the replayed batch is dropped by
   * ClickHouse instead of counted twice.
   */
  private async insertRows(aggregates: readonly Aggregate[], token: string): Promise<void> {
    const batchToken = this.options.recordBatchTokens ? token : undefined;
    const settings: ClickHouseSettings = {
      insert_deduplication_token: token,
      deduplicate_blocks_in_dependent_materialized_views: 1,
      precise_float_parsing: 1,
      ...(this.schema.cluster ? { distributed_foreground_insert: 1 } : {}),
    };
    await this.wrap('write', () =>
      this.client.insert({
        table: this.table(TIER_TABLES['1m']),
        values: aggregates.map((a) => toMetricRow(a, this.seriesOf(a), batchToken)),
        format: 'JSONEachRow',
        clickhouse_settings: settings,
      }),
    );
  }

  private async insertDeadLetters(
    letters: readonly DeadLetter[],
    checkpoints: readonly Checkpoint[],
    token: string,
  ): Promise<void> {
    const at = dateTime64Text(Date.now());
    const position = checkpoints[0];
    await this.wrap('dead-letter write', () =>
      this.client.insert({
        table: this.table(DEAD_LETTER_TABLE),
        values: letters.map((letter) => {
          const r = deadLetterRecord(letter, 0, position);
          return {
            at,
            service_name: r.service,
            metric_name: r.metric,
            type: r.type,
            tags: r.tags,
            start: Number.isFinite(r.start) ? r.start : 0,
            samples: Number.isFinite(r.count) ? r.count : 0,
            value_sum: r.sum,
            value_min: r.min,
            value_max: r.max,
            value_last: r.last,
            reason: r.reason,
            source: position?.source ?? '',
            partition: position?.partition ?? -1,
            offset: position?.offset ?? -1,
          };
        }),
        format: 'JSONEachRow',
        clickhouse_settings: {
          insert_deduplication_token: token,
          ...(this.schema.cluster ? { distributed_foreground_insert: 1 } : {}),
        },
      }),
    );
  }

  async deadLetters(query: contract.DeadLetterQuery): Promise<contract.DeadLetterRecord[]> {
    const rows = await this.select<StoredDeadLetterRow>(
      `SELECT toUnixTimestamp64Milli(at) AS at, service_name AS service, metric_name AS metric, type,
              tags, start, samples AS count, value_sum AS sum, value_min AS min, value_max AS max,
              value_last AS last, reason, source, partition, offset
       FROM ${this.table(DEAD_LETTER_TABLE)}
       ORDER BY at DESC, service_name, metric_name, tags, start
       LIMIT {limit:UInt32} OFFSET {offset:UInt64}`,
      { limit: query.limit, offset: query.offset },
    );
    return rows.map(fromStoredRow);
  }

  async exemplars(query: contract.ExemplarQuery): Promise<contract.ExemplarRecord[]> {
    const q = exemplarsSql(this.table(EXEMPLAR_TABLE), query);
    return (await this.select<StoredExemplar>(q.sql, q.params)).map(q.toRecord);
  }

  async cumulativePositions(keys: readonly string[]): Promise<Map<string, CumulativePosition>> {
    const rows = await this.select<{ key: string; position: string }>(
      `SELECT key, argMax(position, at) AS position FROM ${this.table(POSITION_TABLE)}
       WHERE key IN {keys:Array(String)} GROUP BY key`,
      { keys },
    );
    return new Map(rows.map((r) => [r.key, decodePosition(Buffer.from(r.position, 'base64'))]));
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    const rows = await this.select<{ partition: number; offset: string }>(
      `SELECT partition, argMax(offset, version) AS offset FROM ${this.table(CHECKPOINT_TABLE)}
       WHERE source = {source:String} GROUP BY partition ORDER BY partition`,
      { source },
    );
    return rows.map((r) => ({ source, partition: Number(r.partition), offset: Number(r.offset) }));
  }

  /**
   * Rows per batch token in one metric's minute table between two bucket starts: the primary
   * index narrows the read to that metric, the partitions' time ranges to the recent parts.
   */
  async storedRows(scope: BatchScope): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    const seconds = (ms: number): number => Math.floor(ms / 1000);
    for (let i = 0; i < scope.tokens.length; i += TOKENS_PER_QUERY) {
      const rows = await this.select<{ token: string; n: string }>(
        `SELECT ${BATCH_TOKEN_COLUMN} AS token, count() AS n FROM ${this.table(TIER_TABLES['1m'])}
         WHERE service_name = {service:String} AND metric_name = {metric:String}
           AND timestamp >= toDateTime({first:UInt32}, 'UTC') AND timestamp <= toDateTime({last:UInt32}, 'UTC')
           AND ${BATCH_TOKEN_COLUMN} IN {tokens:Array(String)}
         GROUP BY token`,
        {
          service: scope.service,
          metric: scope.metric,
          first: seconds(scope.firstStart),
          last: seconds(scope.lastStart),
          tokens: scope.tokens.slice(i, i + TOKENS_PER_QUERY),
        },
      );
      for (const r of rows) counts.set(r.token, Number(r.n));
    }
    return counts;
  }

  async services(page: contract.PageRequest): Promise<contract.ServiceSummary[]> {
    const q = servicesPageSql(this.table(SERIES_TABLE), page);
    return (await this.select<Parameters<typeof q.toSummary>[0]>(q.sql, q.params)).map(q.toSummary);
  }

  async metrics(service: string, page: contract.MetricPageRequest): Promise<contract.MetricSummary[]> {
    const q = metricsPageSql(this.table(SERIES_TABLE), service, page);
    return (await this.select<Parameters<typeof q.toSummary>[0]>(q.sql, q.params)).map(q.toSummary);
  }

  async queryBuckets(q: contract.BucketQuery): Promise<contract.BucketGroup[]> {
    const limits = this.answerLimits;
    // The groups first, from the series catalog, one past the limit: an answer over a limit is
    // refused before a point is read.
    const types = groupTypesSql(this.table(SERIES_TABLE), q, limits.maxSeries + 1);
    const groupRows = await this.select<{
      grp: string[];
      types: MetricType[];
      series: string;
      lacking: string;
    }>(types.sql, types.params);
    if (groupRows.length === 0) return [];
    if (groupRows.length > limits.maxSeries) throw tooManySeries(limits.maxSeries);
    const series = groupRows.reduce((n, g) => n + Number(g.series), 0);
    checkBucketQuery(limits, q, series, groupRows.length);
    // A rollup holds the selected series merged: one row per bucket (and tag value).
    const [metricFrom, tagFrom] = await Promise.all([this.rollupCutoff.current(), this.tagCutoffs.current()]);
    const lacking = groupRows.reduce((n, g) => n + Number(g.lacking), 0);
    const source = bucketSource(q, { metricFrom, tagFrom }, lacking);
    const buckets = bucketQuerySql(this.table(source.table), q, source.rows, source.tagKey);
    // One row per point: the server stops at the limit (result_overflow_mode=throw).
    const bucketRows = await this.select<BucketRow>(buckets.sql, buckets.params, {
      max_result_rows: String(limits.maxPoints),
    });
    const typeOf = new Map(
      groupRows.map((g) => [
        JSON.stringify(g.grp),
        g.types.length > 0 && g.types.every((t) => t === 'counter') ? 'counter' : 'gauge',
      ]),
    );
    const groups = new Map<string, contract.BucketGroup>();
    for (const row of bucketRows) {
      const key = JSON.stringify(row.grp);
      let group = groups.get(key);
      if (group === undefined) {
        group = {
          tags: Object.fromEntries(q.groupBy.map((k, i) => [k, row.grp[i] ?? ''])),
          type: (typeOf.get(key) ?? 'gauge') as MetricType,
          buckets: [],
        };
        groups.set(key, group);
      }
      group.buckets.push(toBucket(row, q));
    }
    return [...groups.values()];
  }

  /**
   * Runs a VQL plan compiled for ClickHouse under the read limits (readonly=2, max_execution_time,
   * result rows, memory) and a deadline: the server stops at max_execution_time, and the store
   * stops waiting shortly after, cancelling the request, if no answer came (a hung server or
   * network). Either way the caller gets VTG_QUERY_TIMEOUT.
   */
  async queryVql(plan: LogicalPlan): Promise<{ rows: VqlRow[]; sorted: boolean }> {
    const compiled = compileClickHouse(plan, {
      database: this.schema.database,
      metricRollupsFrom: (await this.rollupCutoff.current()) ?? undefined,
      tagRollupKey: await this.vqlTagRollup(plan),
    });
    // Rows are a plan's points, or its series when it has no time bucket.
    const rowsAreSeries = plan.stepMs === undefined;
    const rowLimit = {
      rowsAreSeries,
      resultRows: Math.min(
        this.limits.maxResultRows,
        rowsAreSeries ? this.answerLimits.maxSeries : this.answerLimits.maxPoints,
      ),
    };
    const seconds = this.limits.maxExecutionTimeSeconds;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), seconds * 1000 + VQL_DEADLINE_GRACE_MS);
    let raw: RawVqlRow[];
    try {
      const result = await this.client.query({
        query: compiled.sql,
        query_params: compiled.params,
        format: 'JSONEachRow',
        abort_signal: deadline.signal,
        clickhouse_settings: {
          ...this.readSettings,
          max_result_rows: String(rowLimit.resultRows),
          timeout_overflow_mode: 'throw',
          // A request the store gave up on stops using the server too.
          cancel_http_readonly_queries_on_client_close: 1,
        },
      });
      raw = await result.json<RawVqlRow>();
    } catch (err) {
      if (deadline.signal.aborted || isServerTimeout(err)) {
        throw new VantageError('VTG_QUERY_TIMEOUT', { params: { seconds }, cause: err });
      }
      const refused = overLimitError(err, { ...rowLimit, rowsToRead: this.answerLimits.maxRowsScanned });
      if (refused !== undefined) throw refused;
      const message = err instanceof Error ? err.message : String(err);
      throw new ClickHouseStoreError(`ClickHouse VQL query failed: ${message}`, { cause: err });
    } finally {
      clearTimeout(timer);
    }
    return { rows: raw.map((r) => toVqlRow(r, compiled)), sorted: compiled.sortedAndLimited };
  }

  /**
   * The tag key whose per-value rollup answers a VQL plan, if any: the plan's shape names it
   * (tagRollupKey), it is rolled up from before the plan's range, and no series the plan's filter
   * selects lacks it (the catalog says; such a series reads as '' and is in no rollup).
   */
  private async vqlTagRollup(plan: LogicalPlan): Promise<string | undefined> {
    const key = tagRollupKey(plan);
    const from = key === undefined ? undefined : (await this.tagCutoffs.current())?.get(key);
    if (key === undefined || from === undefined || plan.scan.from < from) return undefined;
    const check = seriesLackingKeySql(plan, key, this.schema.database);
    const [lacking] = await this.select<{ n: string }>(check.sql, check.params);
    return Number(lacking?.n ?? 1) === 0 ? key : undefined;
  }

  /**
   * TTLs delete expired rows at merges. This drops, at once, every partition that lies wholly
   * before its tier's cutoff (a metadata operation, not a rewrite), and forgets series silent for
   * longer than the longest retention. Rows in partitions straddling the cutoff are left to TTL.
   */
  async applyRetention(now: number): Promise<contract.RetentionReport> {
    const deletedRows: Record<string, number> = {};
    for (const tier of TIERS) {
      const cutoff = now - this.options.retention[tier.name];
      const drop = (name: string): Promise<number> =>
        this.wrap('retention', () => dropPartitionsBefore(this.client, this.schema, name, cutoff));
      deletedRows[tier.name] = await drop(TIER_TABLES[tier.name]);
      // The tier's rollups have the tier's partitions: the same ones go.
      await drop(METRIC_ROLLUP_TABLES[tier.name]);
      await drop(TAG_ROLLUP_TABLES[tier.name]);
    }
    const longest = Math.max(...Object.values(this.options.retention));
    const cutoff = now - longest;
    const [silent] = await this.select<{ n: string }>(
      `SELECT count() AS n FROM (
         SELECT 1 FROM ${this.table(SERIES_TABLE)}
         GROUP BY service_name, metric_name, type, series_id
         HAVING max(last_seen) < fromUnixTimestamp64Milli({cutoff:Int64}, 'UTC'))`,
      { cutoff },
    );
    const deletedSeries = Number(silent?.n ?? 0);
    if (deletedSeries > 0) {
      await this.wrap('retention', () =>
        this.client.command({
          query: deleteSilentSeriesStatement(this.schema),
          query_params: { cutoff },
          clickhouse_settings: { mutations_sync: '2' },
        }),
      );
      this.series.clear();
    }
    return { deletedRows, deletedSeries };
  }

  async stats(): Promise<contract.StoreStats> {
    const [series] = await this.select<{ n: string }>(
      `SELECT uniqExact(service_name, metric_name, type, series_id) AS n FROM ${this.table(SERIES_TABLE)}`,
    );
    const [bytes] = await this.select<{ b: string }>(
      'SELECT sum(bytes_on_disk) AS b FROM system.parts WHERE database = {db:String} AND active',
      { db: this.schema.database },
    );
    return { series: Number(series?.n ?? 0), bytesOnDisk: Number(bytes?.b ?? 0) };
  }

  /** From system.parts: cheap, but this node's parts only (the _local tables on a cluster). */
  async tableSizes(): Promise<contract.TableSize[]> {
    const rows = await this.select<{ table: string; rows: string; bytes: string }>(
      `SELECT t.name AS table, sum(p.rows) AS rows, sum(p.bytes_on_disk) AS bytes
       FROM system.tables AS t
       LEFT JOIN (SELECT table, rows, bytes_on_disk FROM system.parts
                  WHERE database = {db:String} AND active) AS p ON p.table = t.name
       WHERE t.database = {db:String} AND t.engine LIKE '%MergeTree'
       GROUP BY t.name ORDER BY t.name`,
      { db: this.schema.database },
    );
    const tiers = new Map(
      TIERS.map((t) => [storageTable(this.schema, TIER_TABLES[t.name]), t.name] as const),
    );
    return rows.map((r) => {
      const tier = tiers.get(r.table);
      return { table: r.table, ...(tier ? { tier } : {}), rows: Number(r.rows), bytes: Number(r.bytes) };
    });
  }

  async close(): Promise<void> {
    await this.client.close();
  }

  private table(name: string): string {
    return `${this.schema.database}.${name}`;
  }

  private seriesOf(a: Aggregate): SeriesInfo {
    const key = `${a.type}\u0000${a.tags}`;
    let info = this.series.get(key);
    if (info === undefined) {
      if (this.series.size >= SERIES_CACHE_LIMIT) this.series.clear();
      info = seriesInfo(a);
      this.series.set(key, info);
    }
    return info;
  }

  private async select<T>(
    query: string,
    params: Record<string, unknown> = {},
    settings: ClickHouseSettings = {},
  ): Promise<T[]> {
    return this.wrap(
      'query',
      async () => {
        const result = await this.client.query({
          query,
          query_params: params,
          format: 'JSONEachRow',
          clickhouse_settings: { ...this.readSettings, ...settings },
        });
        return result.json<T>();
      },
      Number(settings.max_result_rows ?? this.limits.maxResultRows),
    );
  }

  private async wrap<T>(
    what: string,
    run: () => Promise<T>,
    resultRows = this.limits.maxResultRows,
  ): Promise<T> {
    try {
      return await run();
    } catch (err) {
      const refused = overLimitError(err, {
        rowsToRead: this.answerLimits.maxRowsScanned,
        resultRows,
        rowsAreSeries: false,
      });
      if (refused !== undefined) throw refused;
      const message = err instanceof Error ? err.message : String(err);
      throw new ClickHouseStoreError(`ClickHouse ${what} failed: ${message}`, { cause: err });
    }
  }
}
