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
  private readonly oldestRows: Statement;
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
    this.oldestRows = this.db.prepare('SELECT id, spans, payload FROM span_batch ORDER BY id LIMIT ?');
    this.remove = this.db.prepare('DELETE FROM span_batch WHERE id = ?');
    this.count = (this.db.prepare('SELECT count(*) FROM span_batch').pluck().get() as number) ?? 0;
  }

  /** Durable when it returns: the caller commits the bus offset after it. */
  append(payload: Buffer, spans: number): void {
    this.insert.run(spans, payload);
    this.count += 1;
  }

  /**
   * The oldest batches holding up to `maxSpans` spans together (always at least the oldest one,
   * however large): a replay writes them in one insert, as a store takes few large writes far
   * better than many small ones.
   */
  oldest(maxSpans: number): SpanOutboxBatch[] {
    const out: SpanOutboxBatch[] = [];
    let spans = 0;
    // A batch is one poll of one partition, seldom more than a few hundred spans: 256 rows cover
    // any budget a replay asks for.
    for (const row of this.oldestRows.all(256) as SpanOutboxBatch[]) {
      if (out.length > 0 && spans + row.spans > maxSpans) break;
      out.push(row);
      spans += row.spans;
    }
    return out;
  }

  delete(id: number): void {
    if (this.remove.run(id).changes > 0) this.count -= 1;
  }

  /** Deletes several batches in one transaction (one sync, not one per batch). */
  deleteAll(ids: readonly number[]): void {
    this.db.transaction(() => {
      for (const id of ids) this.delete(id);
    })();
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
