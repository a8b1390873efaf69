import type { Database as Db, Statement } from 'better-sqlite3';
import { databaseBytesOnDisk, openDatabase } from '../sqlite/sqlite-connection.js';

/** A span batch waiting in the outbox: the bus payload as it came (encodeSpanBatch). */
export interface SpanOutboxBatch {
  readonly id: number;
  readonly payload: Buffer;
  readonly spans: number;
}

/**
 * The span worker's fallback outbox (`--fallback sqlite`): a local SQLite file (WAL, synchronous
 * FULL) that takes span batches durably while ClickHouse does not, and gives them back in order.
 * Much simpler than the aggregates' outbox: span writes are idempotent in both stores, so a batch
 * replayed twice (a kill -9 between the insert and the delete) is stored once, and no batch
 * boundary, token or per-partition order has to be kept.
 */
export class SpanOutbox {
  private readonly db: Db;
  private readonly insert: Statement;
  private readonly first: Statement;
  private readonly remove: Statement;
  private count: number;

  constructor(readonly path: string) {
    this.db = openDatabase(path);
    this.db.exec(`CREATE TABLE IF NOT EXISTS span_batch (
      id INTEGER PRIMARY KEY,
      spans INTEGER NOT NULL,
      payload BLOB NOT NULL
    )`);
    this.insert = this.db.prepare('INSERT INTO span_batch (spans, payload) VALUES (?, ?)');
    this.first = this.db.prepare('SELECT id, spans, payload FROM span_batch ORDER BY id LIMIT 1');
    this.remove = this.db.prepare('DELETE FROM span_batch WHERE id = ?');
    this.count = (this.db.prepare('SELECT count(*) FROM span_batch').pluck().get() as number) ?? 0;
  }

  /** Durable when it returns: the caller commits the bus offset after it. */
  append(payload: Buffer, spans: number): void {
    this.insert.run(spans, payload);
    this.count += 1;
  }

  peek(): SpanOutboxBatch | undefined {
    return this.first.get() as SpanOutboxBatch | undefined;
  }

  delete(id: number): void {
    if (this.remove.run(id).changes > 0) this.count -= 1;
  }

  get batches(): number {
    return this.count;
  }

  bytesOnDisk(): number {
    return databaseBytesOnDisk(this.path);
  }

  close(): void {
    this.db.close();
  }
}
