import type { Database as Db, Statement } from 'better-sqlite3';
import { exemplarOrder, keepExemplar, MINUTE_MS, floorTo } from '../../core/index.js';
import type { Exemplar, SeriesExemplars } from '../../core/index.js';
import type { ExemplarQuery, ExemplarRecord } from '../store.js';
import { EXEMPLAR_TABLE } from './schema.js';
import type { SeriesCatalog } from './series-catalog.js';

/**
 * The exemplars of the embedded store: a few per series-minute, merged with those stored before by
 * keepExemplar (the one rule), so a series-minute written by several batches still holds at most
 * EXEMPLARS_PER_SERIES_MINUTE. Written in the worker's write transaction; rows are clustered by
 * (metric, minute) like the tiers, so a read of one metric's range is one run of the B-tree.
 */
export class ExemplarTable {
  private readonly select: Statement;
  private readonly remove: Statement;
  private readonly insert: Statement;
  private readonly expire: Statement;
  private readonly forgetMetrics: Statement;

  constructor(
    db: Db,
    private readonly catalog: SeriesCatalog,
  ) {
    const key = 'metric_id = ? AND start = ? AND series_id = ?';
    this.select = db.prepare(
      `SELECT ts AS timestamp, value, trace_id AS traceId, span_id AS spanId FROM ${EXEMPLAR_TABLE} WHERE ${key}`,
    );
    this.remove = db.prepare(`DELETE FROM ${EXEMPLAR_TABLE} WHERE ${key}`);
    this.insert = db.prepare(
      `INSERT INTO ${EXEMPLAR_TABLE} (metric_id, start, series_id, ts, value, trace_id, span_id)
       VALUES (?, ?, ?, ?, ?, ?, ?)`,
    );
    this.expire = db.prepare(`DELETE FROM ${EXEMPLAR_TABLE} WHERE metric_id = ? AND start < ?`);
    this.forgetMetrics = db.prepare(
      `DELETE FROM ${EXEMPLAR_TABLE} WHERE metric_id IN (SELECT id FROM metric WHERE last_seen < ?)`,
    );
  }

  /** Merges series-minutes' exemplars into what is stored; runs inside a write transaction. */
  write(groups: readonly SeriesExemplars[]): void {
    for (const g of groups) {
      const { metricId, seriesId } = this.catalog.resolve(g);
      const stored = (this.select.all(metricId, g.start, seriesId) as Exemplar[]).sort(exemplarOrder);
      const kept = [...stored];
      for (const e of g.exemplars) keepExemplar(kept, e);
      // Nothing new kept (a replayed batch, or older than what is held): nothing to write.
      if (kept.length === stored.length && kept.every((e, i) => e === stored[i])) continue;
      this.remove.run(metricId, g.start, seriesId);
      for (const e of kept)
        this.insert.run(metricId, g.start, seriesId, e.timestamp, e.value, e.traceId, e.spanId);
    }
  }

  /** Deletes the minutes before `cutoff` of each metric; returns the rows deleted. */
  applyRetention(metricIds: readonly number[], cutoff: number): number {
    let n = 0;
    for (const id of metricIds) n += this.expire.run(id, floorTo(cutoff, MINUTE_MS)).changes;
    return n;
  }

  /** Before the catalog forgets metrics silent since `cutoff`: their exemplars go with them. */
  forgetSilentMetrics(cutoff: number): void {
    this.forgetMetrics.run(cutoff);
  }
}

/** A metric's exemplars between two times, newest first (the store's read path, like dead letters). */
export function readExemplars(db: Db, q: ExemplarQuery): ExemplarRecord[] {
  // Ordered by minute first: the primary key gives that order, so SQLite sorts one minute at a
  // time and stops at the page's end instead of sorting the whole range.
  return db
    .prepare(
      `SELECT s.type, s.tags, e.ts AS timestamp, e.value, e.trace_id AS traceId, e.span_id AS spanId
       FROM ${EXEMPLAR_TABLE} e JOIN series s ON s.id = e.series_id
       WHERE e.metric_id = (SELECT id FROM metric WHERE service = ? AND name = ?)
         AND e.start >= ? AND e.start < ? AND e.ts >= ? AND e.ts < ?
       ORDER BY e.start DESC, e.ts DESC, e.value DESC, e.trace_id DESC, e.span_id DESC, s.tags
       LIMIT ? OFFSET ?`,
    )
    .all(
      q.service,
      q.metric,
      floorTo(q.from, MINUTE_MS),
      q.to,
      q.from,
      q.to,
      q.limit,
      q.offset,
    ) as ExemplarRecord[];
}
