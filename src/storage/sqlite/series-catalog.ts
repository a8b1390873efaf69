import type { Database, Statement } from 'better-sqlite3';
import type { Aggregate } from '../../core/index.js';
import { seriesKey } from '../../core/index.js';

/**
 * Ids cached at most: about 250 bytes each (key text and ids), so 50 MB at most, whatever the
 * number of series stored. A miss costs two indexed lookups, so past the bound the cache starts
 * over rather than keep an LRU's bookkeeping on the write path.
 */
export const SERIES_ID_CACHE_MAX = 200_000;

/** Ids of metrics and series, created on first sight and cached. Used inside write transactions. */
export class SeriesCatalog {
  private readonly ids = new Map<string, { metricId: number; seriesId: number }>();
  private readonly insertMetric: Statement;
  private readonly selectMetric: Statement;
  private readonly insertSeries: Statement;
  private readonly selectSeries: Statement;

  constructor(db: Database) {
    this.insertMetric = db.prepare('INSERT OR IGNORE INTO metric (service, name) VALUES (?, ?)');
    this.selectMetric = db.prepare('SELECT id FROM metric WHERE service = ? AND name = ?').pluck();
    this.insertSeries = db.prepare('INSERT OR IGNORE INTO series (metric_id, type, tags) VALUES (?, ?, ?)');
    this.selectSeries = db
      .prepare('SELECT id FROM series WHERE metric_id = ? AND type = ? AND tags = ?')
      .pluck();
  }

  resolve(a: Pick<Aggregate, 'service' | 'name' | 'type' | 'tags'>): { metricId: number; seriesId: number } {
    const key = seriesKey(a.service, a.name, a.type, a.tags);
    let ids = this.ids.get(key);
    if (ids === undefined) {
      this.insertMetric.run(a.service, a.name);
      const metricId = this.selectMetric.get(a.service, a.name) as number;
      this.insertSeries.run(metricId, a.type, a.tags);
      const seriesId = this.selectSeries.get(metricId, a.type, a.tags) as number;
      ids = { metricId, seriesId };
      if (this.ids.size >= SERIES_ID_CACHE_MAX) this.ids.clear();
      this.ids.set(key, ids);
    }
    return ids;
  }

  /** Forget cached ids (after retention deleted rows they point to). */
  clear(): void {
    this.ids.clear();
  }
}
