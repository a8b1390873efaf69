import type { Database, Statement } from 'better-sqlite3';
import { QuantileSketch } from '../../core/index.js';
import type { Aggregate } from '../../core/index.js';
import type { Checkpoint } from '../store.js';
import { ENCODED_AGGREGATE_COLUMNS, migrateOutbox, openOutboxDatabase } from './outbox-schema.js';
import type { EncodedAggregate } from './outbox-schema.js';
import { aggregateValues } from '../sqlite/schema.js';
import { databaseBytesOnDisk } from '../sqlite/sqlite-connection.js';

/** A batch waiting in the outbox for ClickHouse. */
export interface OutboxBatch {
  /** Append order, which is the replay order. */
  readonly id: number;
  /** Where the batch ends in its partition: the checkpoint it is written with, and so its token. */
  readonly checkpoint: Checkpoint;
  readonly firstOffset: number;
  readonly messages: number;
  readonly samples: number;
  /** When the oldest of its messages was flushed by a collector, epoch ms. */
  readonly oldest: number;
  /** ClickHouse inserts tried with its token so far (it may be stored already when > 0). */
  readonly attempts: number;
}

export type NewOutboxBatch = Omit<OutboxBatch, 'id'>;

/** What the outbox holds, for the worker's metrics. */
export interface OutboxSize {
  readonly batches: number;
  readonly rows: number;
  readonly samples: number;
  /** The oldest message's flush time of the first batch, epoch ms; undefined when empty. */
  readonly oldest: number | undefined;
}

/**
 * The worker's side of the fallback outbox: a local SQLite file that takes the batches ClickHouse
 * cannot, durably, and gives them back in the order they came for replay. Only the worker writes
 * it; the query API reads it with OutboxReader.
 */
export class SqliteOutbox {
  private readonly db: Database;
  private readonly insertBatch: Statement;
  private readonly insertRow: Statement;
  private readonly findSeries: Statement;
  private readonly insertSeries: Statement;
  private readonly series = new Map<string, number>();
  /** Batches waiting per `source \0 partition`: asked on every batch the worker routes. */
  private readonly waiting = new Map<string, number>();
  private totals = { batches: 0, rows: 0, samples: 0 };

  constructor(readonly path: string) {
    this.db = openOutboxDatabase(path, 'write');
    try {
      migrateOutbox(this.db);
    } catch (err) {
      this.db.close();
      throw err;
    }
    this.insertBatch = this.db.prepare(`
      INSERT INTO outbox_batch (source, partition, first_offset, end_offset, messages, samples, oldest, appended_at, attempts)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.insertRow = this.db.prepare(`
      INSERT INTO outbox_row (batch_id, ord, series_id, start, count, sum, min, max, last, last_ts, sketch)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`);
    this.findSeries = this.db.prepare(
      'SELECT id FROM outbox_series WHERE service = ? AND name = ? AND type = ? AND tags = ?',
    );
    this.insertSeries = this.db.prepare(
      'INSERT INTO outbox_series (service, name, type, tags) VALUES (?, ?, ?, ?)',
    );
    for (const r of this.db
      .prepare('SELECT source, partition, count(*) AS n FROM outbox_batch GROUP BY source, partition')
      .all() as { source: string; partition: number; n: number }[]) {
      this.waiting.set(partitionKey(r.source, r.partition), r.n);
    }
    const t = this.db
      .prepare(
        `SELECT (SELECT count(*) FROM outbox_batch) AS batches, (SELECT count(*) FROM outbox_row) AS rows,
                (SELECT coalesce(sum(samples), 0) FROM outbox_batch) AS samples`,
      )
      .get() as { batches: number; rows: number; samples: number };
    this.totals = t;
  }

  /** True while batches of this partition wait: its next batches must queue behind them. */
  holds(source: string, partition: number): boolean {
    return (this.waiting.get(partitionKey(source, partition)) ?? 0) > 0;
  }

  get isEmpty(): boolean {
    return this.totals.batches === 0;
  }

  /**
   * Stores a batch and its aggregates in one transaction; durable (fsynced) when this returns.
   * Aggregates without samples are left out, as ClickHouseStore leaves them out of an insert.
   */
  append(batch: NewOutboxBatch, aggregates: readonly Aggregate[]): OutboxBatch {
    const kept = aggregates.filter((a) => a.count > 0);
    const c = batch.checkpoint;
    const append = this.db.transaction(() => {
      const batchId = Number(
        this.insertBatch.run(
          c.source,
          c.partition,
          batch.firstOffset,
          c.offset,
          batch.messages,
          batch.samples,
          Number.isFinite(batch.oldest) ? batch.oldest : Date.now(),
          Date.now(),
          batch.attempts,
        ).lastInsertRowid,
      );
      kept.forEach((a, ord) => {
        this.insertRow.run(
          batchId,
          ord,
          this.seriesId(a),
          a.start,
          ...aggregateValues(a, a.sketch?.encode() ?? null),
        );
      });
      return batchId;
    });
    let id: number;
    try {
      id = append();
    } catch (err) {
      // Series named inside the rolled-back transaction are gone from the file.
      this.series.clear();
      throw err;
    }
    const key = partitionKey(c.source, c.partition);
    this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    this.totals = {
      batches: this.totals.batches + 1,
      rows: this.totals.rows + kept.length,
      samples: this.totals.samples + batch.samples,
    };
    return { ...batch, id };
  }

  /** The batch to replay next: the first one appended of those still here. */
  first(): OutboxBatch | undefined {
    const r = this.db
      .prepare(
        `SELECT id, source, partition, first_offset, end_offset, messages, samples, oldest, attempts
         FROM outbox_batch ORDER BY id LIMIT 1`,
      )
      .get() as BatchRow | undefined;
    return r === undefined ? undefined : toBatch(r);
  }

  /** A batch's aggregates, in the order they were appended. */
  aggregates(batchId: number): Aggregate[] {
    const rows = this.db
      .prepare(
        `SELECT ${ENCODED_AGGREGATE_COLUMNS}
         FROM outbox_row r JOIN outbox_series s ON s.id = r.series_id WHERE r.batch_id = ? ORDER BY r.ord`,
      )
      .all(batchId) as EncodedAggregate[];
    return rows.map((r) => ({ ...r, sketch: r.sketch ? QuantileSketch.decode(r.sketch) : null }));
  }

  /** Notes that an insert with the batch's token is about to be tried. */
  recordAttempt(batchId: number): void {
    this.db.prepare('UPDATE outbox_batch SET attempts = attempts + 1 WHERE id = ?').run(batchId);
  }

  /**
   * Forgets a batch ClickHouse acknowledged. When the outbox empties, its series names go too and
   * the file gives its free pages back.
   */
  remove(batch: OutboxBatch): void {
    const rows = this.db.transaction(() => {
      const n = this.db.prepare('DELETE FROM outbox_row WHERE batch_id = ?').run(batch.id).changes;
      this.db.prepare('DELETE FROM outbox_batch WHERE id = ?').run(batch.id);
      return n;
    })();
    const key = partitionKey(batch.checkpoint.source, batch.checkpoint.partition);
    const left = (this.waiting.get(key) ?? 1) - 1;
    if (left > 0) this.waiting.set(key, left);
    else this.waiting.delete(key);
    this.totals = {
      batches: this.totals.batches - 1,
      rows: this.totals.rows - rows,
      samples: this.totals.samples - batch.samples,
    };
    if (this.totals.batches === 0) {
      this.db.exec('DELETE FROM outbox_series');
      this.series.clear();
      this.db.pragma('incremental_vacuum');
      // PASSIVE: never waits for the query API's readers (a TRUNCATE would, for seconds).
      this.db.pragma('wal_checkpoint(PASSIVE)');
    }
  }

  /** The last offset held per partition of `source`: a restarted worker resumes after it. */
  lastOffsets(source: string): Map<number, number> {
    const rows = this.db
      .prepare(
        'SELECT partition, max(end_offset) AS end FROM outbox_batch WHERE source = ? GROUP BY partition',
      )
      .all(source) as { partition: number; end: number }[];
    return new Map(rows.map((r) => [r.partition, r.end]));
  }

  size(): OutboxSize {
    const first = this.totals.batches > 0 ? this.first() : undefined;
    return { ...this.totals, oldest: first?.oldest };
  }

  /** The file and its write-ahead log, in bytes. */
  bytesOnDisk(): number {
    return databaseBytesOnDisk(this.path);
  }

  close(): void {
    this.db.close();
  }

  private seriesId(a: Aggregate): number {
    const key = `${a.service}\u0000${a.name}\u0000${a.type}\u0000${a.tags}`;
    let id = this.series.get(key);
    if (id === undefined) {
      const found = this.findSeries.get(a.service, a.name, a.type, a.tags) as { id: number } | undefined;
      id = found?.id ?? Number(this.insertSeries.run(a.service, a.name, a.type, a.tags).lastInsertRowid);
      this.series.set(key, id);
    }
    return id;
  }
}

interface BatchRow {
  id: number;
  source: string;
  partition: number;
  first_offset: number;
  end_offset: number;
  messages: number;
  samples: number;
  oldest: number;
  attempts: number;
}

function toBatch(r: BatchRow): OutboxBatch {
  return {
    id: r.id,
    checkpoint: { source: r.source, partition: r.partition, offset: r.end_offset },
    firstOffset: r.first_offset,
    messages: r.messages,
    samples: r.samples,
    oldest: r.oldest,
    attempts: r.attempts,
  };
}

function partitionKey(source: string, partition: number): string {
  return `${source}\u0000${partition}`;
}
