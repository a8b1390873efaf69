import type { Database as Db, Statement } from 'better-sqlite3';
import { TIERS, floorTo, mergeAggregate, rebucket } from '../../core/index.js';
import type { Aggregate, Tier } from '../../core/index.js';
import { aggregateValues, mergeUpsertSql, rollupTable } from './schema.js';

/** An aggregate bound for a rollup row, with the values of the row's key columns before `start`. */
export interface RollupEntry {
  readonly key: readonly (string | number)[];
  readonly agg: Aggregate;
}

/**
 * Merges entries into every tier of a rollup, one upsert per row (`upserts` per tier, parameters:
 * the key columns, start, then aggregateValues); runs inside the write transaction of the tier
 * rows. Each coarser tier is merged from the finer one's rows, so an aggregate is merged once, not
 * once per tier.
 */
export function upsertRollup(entries: readonly RollupEntry[], upserts: readonly Statement[]): void {
  let finer = entries;
  for (const [tierIndex, tier] of TIERS.entries()) {
    const rows = new Map<string, RollupEntry>();
    for (const { key, agg } of finer) {
      const start = floorTo(agg.start, tier.resolutionMs);
      const id = `${key.join('\u0000')}\u0000${start}`;
      const row = rows.get(id);
      // rebucket copies: the aggregates of the write are the tier rows' too.
      if (row === undefined) rows.set(id, { key, agg: rebucket(agg, start) });
      else mergeAggregate(row.agg, agg);
    }
    const upsert = upserts[tierIndex] as Statement;
    for (const { key, agg } of rows.values()) {
      upsert.run(...key, agg.start, ...aggregateValues(agg, agg.sketch?.encode() ?? null));
    }
    finer = [...rows.values()];
  }
}

/**
 * The writes and trims of the metric rollups (`rollupTable` in ./schema.ts: every series of a
 * metric merged per tier bucket), on the writer connection.
 */
export class MetricRollup {
  private readonly upserts: Statement[];

  constructor(private readonly db: Db) {
    this.upserts = TIERS.map((t) => db.prepare(mergeUpsertSql(rollupTable(t.name), ['metric_id', 'start'])));
  }

  /** Adds stored aggregates (with their metric ids) into every tier's rollup. */
  add(aggregates: readonly Aggregate[], metricIds: readonly number[]): void {
    upsertRollup(
      aggregates.map((agg, i) => ({ key: [metricIds[i] as number], agg })),
      this.upserts,
    );
  }

  /** Deletes a tier's rollup rows of `metricIds` before `cutoff`, as its tier rows are. */
  applyRetention(tier: Tier['name'], metricIds: readonly number[], cutoff: number): void {
    const del = this.db.prepare(`DELETE FROM ${rollupTable(tier)} WHERE metric_id = ? AND start < ?`);
    for (const id of metricIds) del.run(id, cutoff);
  }
}
