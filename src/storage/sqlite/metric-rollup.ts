import type { Database as Db, Statement } from 'better-sqlite3';
import { TIERS, floorTo, mergeAggregate, rebucket } from '../../core/index.js';
import type { Aggregate, Tier } from '../../core/index.js';
import { aggregateValues, rollupTable } from './schema.js';

/**
 * The writes and trims of the metric rollups (`rollupTable` in ./schema.ts: every series of a
 * metric merged per tier bucket), on the writer connection.
 */
export class MetricRollup {
  private readonly upserts: Statement[];

  constructor(private readonly db: Db) {
    this.upserts = TIERS.map((t) =>
      db.prepare(`
        INSERT INTO ${rollupTable(t.name)} (metric_id, start, count, sum, min, max, last, last_ts, sketch)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
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
  }

  /**
   * Adds stored aggregates (with their metric ids) into every tier's rollup; runs inside the write
   * transaction of their tier rows. Each coarser tier is merged from the finer one's rows, so an
   * aggregate is merged once, not once per tier.
   */
  add(aggregates: readonly Aggregate[], metricIds: readonly number[]): void {
    let finer: { metricId: number; agg: Aggregate }[] = aggregates.map((agg, i) => ({
      metricId: metricIds[i] as number,
      agg,
    }));
    for (const [tierIndex, tier] of TIERS.entries()) {
      const rows = new Map<string, { metricId: number; agg: Aggregate }>();
      for (const { metricId, agg } of finer) {
        const start = floorTo(agg.start, tier.resolutionMs);
        const key = `${metricId}:${start}`;
        const row = rows.get(key);
        // rebucket copies: the aggregates of the write are the tier rows' too.
        if (row === undefined) rows.set(key, { metricId, agg: rebucket(agg, start) });
        else mergeAggregate(row.agg, agg);
      }
      const upsert = this.upserts[tierIndex] as Statement;
      for (const { metricId, agg } of rows.values()) {
        upsert.run(metricId, agg.start, ...aggregateValues(agg, agg.sketch?.encode() ?? null));
      }
      finer = [...rows.values()];
    }
  }

  /** Deletes a tier's rollup rows of `metricIds` before `cutoff`, as its tier rows are. */
  applyRetention(tier: Tier['name'], metricIds: readonly number[], cutoff: number): void {
    const del = this.db.prepare(`DELETE FROM ${rollupTable(tier)} WHERE metric_id = ? AND start < ?`);
    for (const id of metricIds) del.run(id, cutoff);
  }
}
