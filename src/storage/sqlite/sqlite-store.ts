import { statSync } from 'node:fs';
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  decodePosition,
  encodePosition,
  floorTo,
  mergeAggregate,
  rebucket,
  TIERS,
} from '../../core/index.js';
import { DEAD_LETTER_LIMIT, deadLetterRecord, failureReason, sortForStorage } from '../dead-letters.js';
import type { Aggregate, CumulativePosition, SeriesExemplars, TierRetention } from '../../core/index.js';
import type { LogicalPlan, VqlRow } from '../../query/index.js';
import type * as contract from '../store.js';
import type { Checkpoint, DeadLetter, SavedPosition, WriteReport } from '../store.js';
import {
  DEAD_LETTER_TABLE,
  POSITION_TABLE,
  aggregateValues,
  mergeUpsertSql,
  migrate,
  tierTable,
} from './schema.js';
import { isRecordError, readDeadLetters } from './dead-letter-table.js';
import { ExemplarTable, readExemplars } from './exemplar-table.js';
import { MetricRollup } from './metric-rollup.js';
import { SeriesCatalog } from './series-catalog.js';
import { TagRollup } from './tag-rollup.js';
import { sqliteTableSizes } from './table-sizes.js';
import { openDatabase } from './sqlite-connection.js';
import { SqliteReads, answerRead, decodeBucketGroups } from './sqlite-reads.js';
import type { ReadAnswer, ReadRequest } from './sqlite-reads.js';
import { storeQueryThreads } from './query-thread-pool.js';
import type { QueryThreadPool, StoreQueryThreadOptions } from './query-thread-pool.js';
import type { SqliteQueryThreadData } from './sqlite-query-thread.js';
import { DEFAULT_ANSWER_LIMITS } from '../answer-limits.js';
import type { AnswerLimits } from '../answer-limits.js';

export interface SqliteStoreOptions extends StoreQueryThreadOptions {
  readonly path: string;
  readonly retention: TierRetention;
  /** Bounds of answers and of what one read may scan; default DEFAULT_ANSWER_LIMITS. */
  readonly answerLimits?: AnswerLimits;
}

/**
 * The embedded store: one SQLite file, written by the worker through one connection and read by
 * the query API through others (WAL lets reads run beside a write): this thread's reader, or the
 * connections of its query threads (sqlite-query-thread.ts).
 */
export class SqliteStore implements contract.Store {
  readonly kind = 'sqlite';
  private readonly writer: Db;
  private readonly reader: Db;
  private readonly reads: SqliteReads;
  private readonly queryThreads: QueryThreadPool<ReadRequest, ReadAnswer<ReadRequest>> | undefined;
  private readonly catalog: SeriesCatalog;
  private readonly rollup: MetricRollup;
  private readonly tagRollup: TagRollup;
  private readonly exemplarTable: ExemplarTable;
  private readonly upserts: Statement[];
  private readonly touchMetric: Statement;
  private readonly saveCheckpoint: Statement;
  private readonly savePosition: Statement;
  private readonly readPosition: Statement;
  private readonly insertDeadLetter: Statement;
  private readonly trimDeadLetters: Statement;

  constructor(private readonly options: SqliteStoreOptions) {
    this.writer = openDatabase(options.path);
    migrate(this.writer);
    this.reader = openDatabase(options.path);
    const answerLimits = options.answerLimits ?? DEFAULT_ANSWER_LIMITS;
    this.reads = new SqliteReads(this.reader, answerLimits);
    this.catalog = new SeriesCatalog(this.writer);
    this.rollup = new MetricRollup(this.writer);
    this.tagRollup = new TagRollup(this.writer);
    this.exemplarTable = new ExemplarTable(this.writer, this.catalog);
    this.upserts = TIERS.map((t) =>
      this.writer.prepare(mergeUpsertSql(tierTable(t.name), ['metric_id', 'start', 'series_id'])),
    );
    this.touchMetric = this.writer.prepare('UPDATE metric SET last_seen = max(last_seen, ?) WHERE id = ?');
    this.insertDeadLetter = this.writer.prepare(
      `INSERT INTO ${DEAD_LETTER_TABLE} (at, service, metric, type, tags, start, count, sum, min, max, last, reason, source, partition, "offset")
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.trimDeadLetters = this.writer.prepare(
      `DELETE FROM ${DEAD_LETTER_TABLE} WHERE id <= (SELECT max(id) FROM ${DEAD_LETTER_TABLE}) - ?`,
    );
    this.saveCheckpoint = this.writer.prepare(
      'INSERT INTO checkpoint (source, partition, "offset") VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET "offset" = excluded."offset"',
    );
    this.savePosition = this.writer.prepare(
      `INSERT INTO ${POSITION_TABLE} (key, at, position) VALUES (?, ?, ?)
       ON CONFLICT DO UPDATE SET at = excluded.at, position = excluded.position`,
    );
    this.readPosition = this.writer.prepare(`SELECT position FROM ${POSITION_TABLE} WHERE key = ?`).pluck();
    // Last, once the schema is migrated and nothing else can fail.
    this.queryThreads = storeQueryThreads(new URL('./sqlite-query-thread.js', import.meta.url), options, {
      path: options.path,
      answerLimits,
    } satisfies SqliteQueryThreadData);
  }

  async write(
    aggregates: readonly Aggregate[],
    checkpoints: readonly Checkpoint[],
    positions: readonly SavedPosition[] = [],
    exemplars: readonly SeriesExemplars[] = [],
  ): Promise<WriteReport> {
    const { storable, refused } = sortForStorage(aggregates);
    try {
      this.writer.transaction(() => {
        this.mergeIntoTiers(storable);
        this.finishWrite(refused, checkpoints, positions, exemplars);
      })();
      return { deadLetters: refused };
    } catch (err) {
      this.forgetUncommitted();
      if (!isRecordError(err)) throw err;
    }
    // One of the aggregates is refused: write each in a savepoint of its own and set aside those
    // refused, all in one transaction with the checkpoint, so a crash repeats or skips it whole.
    try {
      this.writer.transaction(() => {
        for (const a of storable) {
          try {
            this.writer.transaction(() => this.mergeIntoTiers([a]))();
          } catch (err) {
            this.forgetUncommitted();
            if (!isRecordError(err)) throw err;
            refused.push({ aggregate: a, reason: failureReason(err) });
          }
        }
        this.finishWrite(refused, checkpoints, positions, exemplars);
      })();
    } catch (err) {
      this.forgetUncommitted();
      throw err;
    }
    return { deadLetters: refused };
  }

  /** Ids and rollup states cached in a rolled-back transaction point at nothing now. */
  private forgetUncommitted(): void {
    this.catalog.clear();
    this.tagRollup.clear();
  }

  /** Upserts aggregates into every tier; runs inside a write transaction. */
  private mergeIntoTiers(aggregates: readonly Aggregate[]): void {
    const ids = aggregates.map((a) => this.catalog.resolve(a));
    // An aggregate that is alone in its bucket is written as it is; its sketch is encoded once
    // for all the tiers it reaches.
    const encoded = new Map<Aggregate, Buffer | null>();
    const sketchOf = (a: Aggregate): Buffer | null => {
      let bytes = encoded.get(a);
      if (bytes === undefined) encoded.set(a, (bytes = a.sketch?.encode() ?? null));
      return bytes;
    };
    const lastSeen = new Map<number, number>();
    for (const [tierIndex, tier] of TIERS.entries()) {
      const upsert = this.upserts[tierIndex] as Statement;
      const rows = new Map<
        string,
        { metricId: number; seriesId: number; start: number; agg: Aggregate; copied: boolean }
      >();
      aggregates.forEach((a, i) => {
        const { metricId, seriesId } = ids[i] as { metricId: number; seriesId: number };
        const start = floorTo(a.start, tier.resolutionMs);
        const key = `${seriesId}:${start}`;
        const row = rows.get(key);
        if (row === undefined) rows.set(key, { metricId, seriesId, start, agg: a, copied: false });
        else {
          if (!row.copied) {
            row.agg = rebucket(row.agg, start);
            row.copied = true;
          }
          mergeAggregate(row.agg, a);
        }
        if (tierIndex === 0 && a.lastTimestamp > (lastSeen.get(metricId) ?? 0))
          lastSeen.set(metricId, a.lastTimestamp);
      });
      for (const { metricId, seriesId, start, agg: a } of rows.values()) {
        upsert.run(metricId, start, seriesId, ...aggregateValues(a, sketchOf(a)));
      }
    }
    this.rollup.add(
      aggregates,
      ids.map((id) => id.metricId),
    );
    this.tagRollup.add(aggregates, ids);
    for (const [metricId, ts] of lastSeen) this.touchMetric.run(ts, metricId);
  }

  /**
   * The dead letters, checkpoints, cumulative positions and exemplars of a write; runs inside its
   * transaction.
   */
  private finishWrite(
    refused: readonly DeadLetter[],
    checkpoints: readonly Checkpoint[],
    positions: readonly SavedPosition[],
    exemplars: readonly SeriesExemplars[],
  ): void {
    this.exemplarTable.write(exemplars);
    for (const p of positions) this.savePosition.run(p.key, p.position.timestamp, encodePosition(p.position));
    if (refused.length > 0) {
      const at = Date.now();
      const position = checkpoints[0];
      for (const letter of refused) {
        const r = deadLetterRecord(letter, at, position);
        this.insertDeadLetter.run(
          r.at,
          r.service,
          r.metric,
          r.type,
          r.tags,
          r.start,
          r.count,
          r.sum,
          r.min,
          r.max,
          r.last,
          r.reason,
          position?.source ?? null,
          position?.partition ?? null,
          position?.offset ?? null,
        );
      }
      this.trimDeadLetters.run(DEAD_LETTER_LIMIT);
    }
    for (const c of checkpoints) this.saveCheckpoint.run(c.source, c.partition, c.offset);
  }

  async cumulativePositions(keys: readonly string[]): Promise<Map<string, CumulativePosition>> {
    const out = new Map<string, CumulativePosition>();
    for (const key of keys) {
      const bytes = this.readPosition.get(key) as Buffer | undefined;
      if (bytes !== undefined) out.set(key, decodePosition(bytes));
    }
    return out;
  }

  async deadLetters(query: contract.DeadLetterQuery): Promise<contract.DeadLetterRecord[]> {
    return readDeadLetters(this.reader, query);
  }

  async exemplars(query: contract.ExemplarQuery): Promise<contract.ExemplarRecord[]> {
    return readExemplars(this.reader, query);
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    return this.reader
      .prepare('SELECT source, partition, "offset" AS offset FROM checkpoint WHERE source = ?')
      .all(source) as Checkpoint[];
  }

  async services(page: contract.PageRequest): Promise<contract.ServiceSummary[]> {
    return this.read({ op: 'services', page });
  }

  async metrics(service: string, page: contract.MetricPageRequest): Promise<contract.MetricSummary[]> {
    return this.read({ op: 'metrics', service, page });
  }

  async queryBuckets(query: contract.BucketQuery): Promise<contract.BucketGroup[]> {
    return decodeBucketGroups(await this.read({ op: 'buckets', query }));
  }

  async queryVql(plan: LogicalPlan): Promise<{ rows: VqlRow[]; sorted: boolean }> {
    return this.read({ op: 'vql', plan });
  }

  /** A read on a query thread when the store has them, else here on the reader connection. */
  private async read<R extends ReadRequest>(request: R): Promise<ReadAnswer<R>> {
    if (this.queryThreads === undefined) return answerRead(this.reads, request);
    const lane = request.op === 'services' || request.op === 'metrics' ? 'light' : 'heavy';
    return (await this.queryThreads.run(request, lane)) as ReadAnswer<R>;
  }

  async applyRetention(now: number): Promise<contract.RetentionReport> {
    const deletedRows: Record<string, number> = {};
    const metricIds = (this.writer.prepare('SELECT id FROM metric').all() as { id: number }[]).map(
      (r) => r.id,
    );
    for (const tier of TIERS) {
      const cutoff = now - this.options.retention[tier.name];
      const del = this.writer.prepare(
        `DELETE FROM ${tierTable(tier.name)} WHERE metric_id = ? AND start < ?`,
      );
      let n = 0;
      this.writer.transaction(() => {
        for (const id of metricIds) n += del.run(id, cutoff).changes;
        this.rollup.applyRetention(tier.name, metricIds, cutoff);
        this.tagRollup.applyRetention(tier.name, cutoff);
      })();
      deletedRows[tier.name] = n;
    }
    // Exemplars live as long as the minutes they belong to.
    const exemplarCutoff = now - this.options.retention['1m'];
    const deletedExemplars = this.writer.transaction(() =>
      this.exemplarTable.applyRetention(metricIds, exemplarCutoff),
    )();
    // A metric silent for longer than the longest retention has no rows left in any tier.
    const longest = Math.max(...Object.values(this.options.retention));
    const stale = this.writer.transaction((cutoff: number) => {
      this.exemplarTable.forgetSilentMetrics(cutoff);
      this.tagRollup.forgetSilentMetrics(cutoff);
      const gone = this.writer
        .prepare('DELETE FROM series WHERE metric_id IN (SELECT id FROM metric WHERE last_seen < ?)')
        .run(cutoff).changes;
      this.writer.prepare('DELETE FROM metric WHERE last_seen < ?').run(cutoff);
      // Their positions go too: a total seen again after that long is a new series' baseline.
      this.writer.prepare(`DELETE FROM ${POSITION_TABLE} WHERE at < ?`).run(cutoff);
      return gone;
    })(now - longest);
    if (stale > 0) this.catalog.clear();
    return { deletedRows, deletedSeries: stale, deletedExemplars };
  }

  async stats(): Promise<contract.StoreStats> {
    const { n } = this.reader.prepare('SELECT count(*) AS n FROM series').get() as { n: number };
    let bytes = 0;
    for (const suffix of ['', '-wal']) {
      try {
        bytes += statSync(this.options.path + suffix).size;
      } catch {
        // A missing WAL file is fine.
      }
    }
    return { series: n, bytesOnDisk: bytes };
  }

  async tableSizes(): Promise<contract.TableSize[]> {
    return sqliteTableSizes(this.reader);
  }

  /** Lets running reads finish (refusing queued ones), then closes every connection. */
  async close(): Promise<void> {
    await this.queryThreads?.close();
    this.reader.close();
    this.writer.pragma('wal_checkpoint(TRUNCATE)');
    this.writer.close();
  }
}
