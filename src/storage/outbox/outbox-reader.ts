import { existsSync } from 'node:fs';
import type { Database } from 'better-sqlite3';
import type { MetricType } from '../../core/index.js';
import type { Checkpoint } from '../store.js';
import { ENCODED_AGGREGATE_COLUMNS, OUTBOX_APPLICATION_ID, openOutboxDatabase } from './outbox-schema.js';
import type { EncodedAggregate } from './outbox-schema.js';

/** A batch of the outbox as the query API sees it: which one, and which checkpoint it carries. */
export interface OutboxBatchRef {
  readonly id: number;
  readonly checkpoint: Checkpoint;
}

/** Something read from an outbox, tagged with the batch it belongs to. */
export interface FromBatch {
  readonly batchId: number;
}

export interface OutboxAggregateRow extends FromBatch, EncodedAggregate {}

export interface OutboxMetricRow extends FromBatch {
  readonly service: string;
  readonly name: string;
  readonly lastSeen: number;
}

export interface OutboxSeriesRow extends FromBatch {
  readonly name: string;
  readonly type: MetricType;
  readonly tags: string;
  readonly lastSeen: number;
}

/** The questions the query API asks of an outbox, inside one read transaction. */
export class OutboxQueries {
  constructor(private readonly db: Database) {}

  /** One metric's minute aggregates with a start in [from, to). */
  aggregates(service: string, metric: string, from: number, to: number): OutboxAggregateRow[] {
    return this.db
      .prepare(
        `SELECT r.batch_id AS batchId, ${ENCODED_AGGREGATE_COLUMNS}
         FROM outbox_series s JOIN outbox_row r ON r.series_id = s.id
         WHERE s.service = ? AND s.name = ? AND r.start >= ? AND r.start < ?`,
      )
      .all(service, metric, from, to) as OutboxAggregateRow[];
  }

  /** Every metric of every service, per batch. */
  metrics(): OutboxMetricRow[] {
    return this.db
      .prepare(
        `SELECT r.batch_id AS batchId, s.service, s.name, max(r.last_ts) AS lastSeen
         FROM outbox_row r JOIN outbox_series s ON s.id = r.series_id
         GROUP BY r.batch_id, s.service, s.name`,
      )
      .all() as OutboxMetricRow[];
  }

  /** One service's series, per batch. */
  series(service: string): OutboxSeriesRow[] {
    return this.db
      .prepare(
        `SELECT r.batch_id AS batchId, s.name, s.type, s.tags, max(r.last_ts) AS lastSeen
         FROM outbox_series s JOIN outbox_row r ON r.series_id = s.id
         WHERE s.service = ? GROUP BY r.batch_id, s.id`,
      )
      .all(service) as OutboxSeriesRow[];
  }
}

/**
 * The query API's side of a worker's fallback outbox: a read-only connection (opened when the file
 * first exists), and reads that each see one snapshot of it, batches and rows alike, however the
 * worker appends and deletes meanwhile (WAL).
 */
export class OutboxReader {
  private db: Database | undefined;

  constructor(readonly path: string) {}

  /**
   * The batches the outbox holds and what `select` reads, from one snapshot; undefined while the
   * file does not exist (the worker has not started yet, or never fell back).
   */
  read<T>(select: (q: OutboxQueries) => T): { batches: OutboxBatchRef[]; value: T } | undefined {
    const db = this.open();
    if (db === undefined) return undefined;
    return db.transaction(() => {
      const ready = db
        .prepare("SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'outbox_batch'")
        .get();
      if (ready === undefined) return undefined;
      const batches = (
        db
          .prepare('SELECT id, source, partition, end_offset AS offset FROM outbox_batch ORDER BY id')
          .all() as {
          id: number;
          source: string;
          partition: number;
          offset: number;
        }[]
      ).map((b) => ({
        id: b.id,
        checkpoint: { source: b.source, partition: b.partition, offset: b.offset },
      }));
      return { batches, value: select(new OutboxQueries(db)) };
    })();
  }

  close(): void {
    this.db?.close();
    this.db = undefined;
  }

  private open(): Database | undefined {
    if (this.db !== undefined) return this.db;
    if (!existsSync(this.path)) return undefined;
    const db = openOutboxDatabase(this.path, 'read');
    const id = db.pragma('application_id', { simple: true }) as number;
    const tables = (
      db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }
    ).n;
    // No id and no table: the worker created the file a moment ago (its schema comes in one
    // transaction with the id).
    if (id !== OUTBOX_APPLICATION_ID && !(id === 0 && tables === 0)) {
      db.close();
      throw new Error(`${this.path} is not a Vantage fallback outbox`);
    }
    this.db = db;
    return db;
  }
}
