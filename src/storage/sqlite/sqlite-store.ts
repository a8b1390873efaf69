import { statSync } from 'node:fs';
import Database from 'better-sqlite3';
import type { Database as Db, Statement } from 'better-sqlite3';
import {
  clampedQuantile,
  floorTo,
  mergeAggregate,
  QuantileSketch,
  rebucket,
  TIERS,
} from '../../core/index.js';
import type { Aggregate, MetricType, TierRetention } from '../../core/index.js';
import { compileSqlite } from '../../query/index.js';
import type { LogicalPlan, VqlRow, VqlValue } from '../../query/index.js';
import type {
  Bucket,
  BucketGroup,
  BucketQuery,
  Checkpoint,
  MetricSummary,
  RetentionReport,
  ServiceSummary,
  Store,
  StoreStats,
} from '../store.js';
import { migrate, tierTable } from './schema.js';
import { SeriesCatalog } from './series-catalog.js';

export interface SqliteStoreOptions {
  readonly path: string;
  readonly retention: TierRetention;
}

/**
 * The embedded store: one SQLite file, written by the worker through one connection and read by
 * the query API through another (WAL lets reads run beside a write).
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite';
  private readonly writer: Db;
  private readonly reader: Db;
  private readonly catalog: SeriesCatalog;
  private readonly upserts: Statement[];
  private readonly touchMetric: Statement;
  private readonly saveCheckpoint: Statement;

  constructor(private readonly options: SqliteStoreOptions) {
    this.writer = openDatabase(options.path);
    migrate(this.writer);
    this.reader = openDatabase(options.path);
    this.reader.exec(
      'CREATE TEMP TABLE IF NOT EXISTS query_selection (series_id INTEGER PRIMARY KEY, grp INTEGER NOT NULL)',
    );
    this.catalog = new SeriesCatalog(this.writer);
    this.upserts = TIERS.map((t) =>
      this.writer.prepare(`
        INSERT INTO ${tierTable(t.name)} (metric_id, start, series_id, count, sum, min, max, last, last_ts, sketch)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT DO UPDATE SET
          count = count + excluded.count,
          sum = sum + excluded.sum,
          min = min(min, excluded.min),
          max = max(max, excluded.max),
          last = CASE WHEN excluded.last_ts > last_ts OR (excluded.last_ts = last_ts AND excluded.last > last)
                      THEN excluded.last ELSE last END,
          last_ts = max(last_ts, excluded.last_ts),
          sketch = sketch_merge(sketch, excluded.sketch)`),
    );
    this.touchMetric = this.writer.prepare('UPDATE metric SET last_seen = max(last_seen, ?) WHERE id = ?');
    this.saveCheckpoint = this.writer.prepare(
      'INSERT INTO checkpoint (source, partition, "offset") VALUES (?, ?, ?) ON CONFLICT DO UPDATE SET "offset" = excluded."offset"',
    );
  }

  async write(aggregates: readonly Aggregate[], checkpoints: readonly Checkpoint[]): Promise<void> {
    this.writer.transaction(() => {
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
          upsert.run(
            metricId,
            start,
            seriesId,
            a.count,
            a.sum,
            a.min,
            a.max,
            a.last,
            a.lastTimestamp,
            sketchOf(a),
          );
        }
      }
      for (const [metricId, ts] of lastSeen) this.touchMetric.run(ts, metricId);
      for (const c of checkpoints) this.saveCheckpoint.run(c.source, c.partition, c.offset);
    })();
  }

  async checkpoints(source: string): Promise<Checkpoint[]> {
    return this.reader
      .prepare('SELECT source, partition, "offset" AS offset FROM checkpoint WHERE source = ?')
      .all(source) as Checkpoint[];
  }

  async services(): Promise<ServiceSummary[]> {
    return this.reader
      .prepare(
        'SELECT service AS name, count(*) AS metricCount, max(last_seen) AS lastSeen FROM metric GROUP BY service ORDER BY service',
      )
      .all() as ServiceSummary[];
  }

  async metrics(service: string): Promise<MetricSummary[]> {
    const rows = this.reader
      .prepare(
        `SELECT m.name, m.last_seen AS lastSeen, s.type, s.tags FROM metric m JOIN series s ON s.metric_id = m.id
         WHERE m.service = ? ORDER BY m.name`,
      )
      .all(service) as { name: string; lastSeen: number; type: MetricType; tags: string }[];
    const byName = new Map<
      string,
      { types: Set<MetricType>; keys: Set<string>; series: number; lastSeen: number }
    >();
    for (const r of rows) {
      let m = byName.get(r.name);
      if (!m)
        byName.set(r.name, (m = { types: new Set(), keys: new Set(), series: 0, lastSeen: r.lastSeen }));
      m.types.add(r.type);
      for (const k of Object.keys(JSON.parse(r.tags) as object)) m.keys.add(k);
      m.series += 1;
    }
    return [...byName].map(([name, m]) => ({
      name,
      types: [...m.types].sort(),
      tagKeys: [...m.keys].sort(),
      seriesCount: m.series,
      lastSeen: m.lastSeen,
    }));
  }

  async queryBuckets(q: BucketQuery): Promise<BucketGroup[]> {
    const metric = this.reader
      .prepare('SELECT id FROM metric WHERE service = ? AND name = ?')
      .get(q.service, q.metric) as { id: number } | undefined;
    if (!metric) return [];
    const series = this.reader
      .prepare('SELECT id, type, tags FROM series WHERE metric_id = ?')
      .all(metric.id) as {
      id: number;
      type: MetricType;
      tags: string;
    }[];
    const groups: { tags: Record<string, string>; types: Set<MetricType> }[] = [];
    const groupIndex = new Map<string, number>();
    const selection: [number, number][] = [];
    for (const s of series) {
      const tags = JSON.parse(s.tags) as Record<string, string>;
      if (!q.tagFilters.every(([k, v]) => tags[k] === v)) continue;
      const groupTags = Object.fromEntries(q.groupBy.map((k) => [k, tags[k] ?? '']));
      const key = JSON.stringify(groupTags);
      let g = groupIndex.get(key);
      if (g === undefined) {
        g = groups.length;
        groupIndex.set(key, g);
        groups.push({ tags: groupTags, types: new Set() });
      }
      groups[g]?.types.add(s.type);
      selection.push([s.id, g]);
    }
    if (selection.length === 0) return [];
    const rows = this.readBuckets(
      q,
      metric.id,
      selection,
      selection.length === series.length && groups.length === 1,
    );
    const out: BucketGroup[] = groups.map((g) => ({
      tags: g.tags,
      type: g.types.size === 1 && g.types.has('counter') ? 'counter' : 'gauge',
      buckets: [],
    }));
    for (const r of rows) out[r.grp]?.buckets.push(r.bucket);
    return out.filter((g) => g.buckets.length > 0);
  }

  private readBuckets(
    q: BucketQuery,
    metricId: number,
    selection: [number, number][],
    everySeries: boolean,
  ): { grp: number; bucket: Bucket }[] {
    const table = tierTable(q.tier.name);
    const columns = [
      'sum(a.count)',
      'sum(a.sum)',
      'min(a.min)',
      'max(a.max)',
      q.needLast ? 'last_by_time(a.last, a.last_ts)' : 'NULL',
      q.needSketch ? 'sketch_union(a.sketch)' : 'NULL',
      // The time of the value last_by_time picks: the latest one.
      q.needLast ? 'max(a.last_ts)' : 'NULL',
    ].join(', ');
    // % works on integers (a bound JS number arrives as REAL, so / would not truncate).
    const bucket = '(a.start - a.start % @step)';
    const params = { metric: metricId, from: q.from, to: q.to, step: q.stepMs };
    let sql: string;
    if (everySeries) {
      sql = `SELECT 0, ${bucket} AS b, ${columns} FROM ${table} a
             WHERE a.metric_id = @metric AND a.start >= @from AND a.start < @to GROUP BY b ORDER BY b`;
    } else {
      this.reader.prepare('DELETE FROM temp.query_selection').run();
      const insert = this.reader.prepare('INSERT INTO temp.query_selection (series_id, grp) VALUES (?, ?)');
      this.reader.transaction(() => {
        for (const [id, g] of selection) insert.run(id, g);
      })();
      // CROSS JOIN keeps the aggregate table as the outer loop: one range scan of its B-tree.
      sql = `SELECT s.grp, ${bucket} AS b, ${columns} FROM ${table} a CROSS JOIN temp.query_selection s
             ON s.series_id = a.series_id
             WHERE a.metric_id = @metric AND a.start >= @from AND a.start < @to GROUP BY s.grp, b ORDER BY s.grp, b`;
    }
    const rows = this.reader.prepare(sql).raw(true).all(params) as [
      number,
      number,
      number,
      number,
      number,
      number,
      number | null,
      Buffer | null,
      number | null,
    ][];
    return rows.map(([grp, start, count, sum, min, max, last, sketch, lastTs]) => ({
      grp,
      bucket: {
        start,
        count,
        sum,
        min,
        max,
        last: last ?? undefined,
        ...(lastTs !== null ? { lastTimestamp: lastTs } : {}),
        sketch: sketch ? QuantileSketch.decode(sketch) : undefined,
      },
    }));
  }

  async queryVql(plan: LogicalPlan): Promise<{ rows: VqlRow[]; sorted: boolean }> {
    const compiled = compileSqlite(plan);
    const raw = this.reader.prepare(compiled.sql).all(...compiled.params) as Record<string, unknown>[];
    const rows = raw.map((r) => {
      const out: Record<string, VqlValue> = {};
      for (const [id, column] of Object.entries(compiled.columns)) {
        const value = r[column.alias];
        if (column.kind === 'sketch') {
          out[id] = Buffer.isBuffer(value)
            ? rowQuantile(value, column.quantile, r, compiled.sketchBounds)
            : null;
        } else {
          out[id] = typeof value === 'number' || typeof value === 'string' ? value : null;
        }
      }
      return out;
    });
    return { rows, sorted: compiled.sortedAndLimited };
  }

  async applyRetention(now: number): Promise<RetentionReport> {
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
      })();
      deletedRows[tier.name] = n;
    }
    // A metric silent for longer than the longest retention has no rows left in any tier.
    const longest = Math.max(...Object.values(this.options.retention));
    const stale = this.writer.transaction((cutoff: number) => {
      const gone = this.writer
        .prepare('DELETE FROM series WHERE metric_id IN (SELECT id FROM metric WHERE last_seen < ?)')
        .run(cutoff).changes;
      this.writer.prepare('DELETE FROM metric WHERE last_seen < ?').run(cutoff);
      return gone;
    })(now - longest);
    if (stale > 0) this.catalog.clear();
    return { deletedRows, deletedSeries: stale };
  }

  async stats(): Promise<StoreStats> {
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

  async close(): Promise<void> {
    this.reader.close();
    this.writer.pragma('wal_checkpoint(TRUNCATE)');
    this.writer.close();
  }
}

/** A percentile of a row: its merged sketch's quantile, clamped into the row's [min, max]. */
function rowQuantile(
  blob: Buffer,
  q: number,
  row: Record<string, unknown>,
  bounds: { min: string; max: string } | undefined,
): number | null {
  const min = bounds ? Number(row[bounds.min]) : Number.NEGATIVE_INFINITY;
  const max = bounds ? Number(row[bounds.max]) : Number.POSITIVE_INFINITY;
  return clampedQuantile(QuantileSketch.decode(blob), q, min, max) ?? null;
}

function openDatabase(path: string): Db {
  const db = new Database(path);
  db.pragma('journal_mode = WAL');
  // FULL: a committed write survives power loss, since the bus log behind it may already be gone.
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('cache_size = -65536');
  db.pragma('mmap_size = 1073741824');
  db.function('sketch_merge', { deterministic: true }, (a: unknown, b: unknown) => {
    if (!Buffer.isBuffer(a)) return Buffer.isBuffer(b) ? b : null;
    if (!Buffer.isBuffer(b)) return a;
    const merged = new QuantileSketch();
    merged.mergeEncoded(a);
    merged.mergeEncoded(b);
    return merged.encode();
  });
  db.aggregate('sketch_union', {
    start: () => new QuantileSketch(),
    step: (acc: QuantileSketch, blob: unknown) => {
      if (Buffer.isBuffer(blob)) acc.mergeEncoded(blob);
      return acc;
    },
    result: (acc: QuantileSketch) => (acc.count === 0 ? null : acc.encode()),
  });
  // The typings allow one argument per step; SQLite passes two here (value, time).
  const lastByTime = {
    start: () => ({ ts: Number.NEGATIVE_INFINITY, value: 0 }),
    step: (acc: { ts: number; value: number }, value: unknown, ts: unknown) => {
      const v = Number(value);
      const t = Number(ts);
      return t > acc.ts || (t === acc.ts && v > acc.value) ? { ts: t, value: v } : acc;
    },
    result: (acc: { ts: number; value: number }) => (acc.ts === Number.NEGATIVE_INFINITY ? null : acc.value),
  };
  db.aggregate('last_by_time', lastByTime as unknown as Parameters<Db['aggregate']>[1]);
  return db;
}
