import type { Database as Db, Statement } from 'better-sqlite3';
import { TIERS, floorTo, mergeAggregate, rebucket } from '../../core/index.js';
import type { Aggregate, Tier } from '../../core/index.js';
import { SERIES_ID_CACHE_MAX } from './series-catalog.js';
import { upsertRollup } from './metric-rollup.js';
import type { RollupEntry } from './metric-rollup.js';
import {
  TAG_ROLLUP_KEY_TABLE,
  TAG_ROLLUP_MAX_KEYS,
  TAG_ROLLUP_MAX_VALUES,
  TAG_ROLLUP_VALUE_TABLE,
  mergeUpsertSql,
  tagRollupTable,
} from './schema.js';

/** A key of one metric: rolled up while `values` holds every value seen, closed for good after. */
interface KeyState {
  open: boolean;
  readonly values: Set<string>;
}

/** A stored aggregate's ids, as the series catalog hands them out. */
interface SeriesIds {
  readonly metricId: number;
  readonly seriesId: number;
}

/** A series' tags whose key is rolled up, and a string that names exactly that list. */
interface Targets {
  readonly metricId: number;
  readonly pairs: readonly (readonly [string, string])[];
  readonly combination: string;
}

/**
 * The writes and trims of the per tag value rollups (`tagRollupTable` in ./schema.ts), on the
 * writer connection, inside its write transactions.
 *
 * What keeps them exact: a key gets its state when the first series carrying it is written, so
 * its rows hold every series with that key from the start (a new key has no older series); a key
 * that passes TAG_ROLLUP_MAX_VALUES is closed and its rows deleted in the same transaction, so a
 * reader sees either a complete rollup or none (sqlite-reads.ts reads both in one snapshot). The
 * states cached here are dropped with the catalog's ids whenever a transaction rolls back.
 */
export class TagRollup {
  private readonly upserts: Statement[];
  private readonly keyStates = new Map<number, Map<string, KeyState>>();
  /** Per series: the (key, value) pairs of its tags whose key is open. */
  private readonly targets = new Map<number, Targets>();
  private readonly selectKeys: Statement;
  private readonly selectValues: Statement;
  private readonly insertKey: Statement;
  private readonly insertValue: Statement;
  private readonly closeKey: Statement;
  private readonly deleteValues: Statement;
  private readonly deleteRows: Statement[];

  constructor(private readonly db: Db) {
    this.upserts = TIERS.map((t) =>
      db.prepare(mergeUpsertSql(tagRollupTable(t.name), ['metric_id', 'tag_key', 'tag_value', 'start'])),
    );
    this.selectKeys = db.prepare(`SELECT tag_key, open FROM ${TAG_ROLLUP_KEY_TABLE} WHERE metric_id = ?`);
    this.selectValues = db.prepare(
      `SELECT tag_key, tag_value FROM ${TAG_ROLLUP_VALUE_TABLE} WHERE metric_id = ?`,
    );
    this.insertKey = db.prepare(
      `INSERT INTO ${TAG_ROLLUP_KEY_TABLE} (metric_id, tag_key, open) VALUES (?, ?, 1)`,
    );
    this.insertValue = db.prepare(
      `INSERT INTO ${TAG_ROLLUP_VALUE_TABLE} (metric_id, tag_key, tag_value) VALUES (?, ?, ?)`,
    );
    this.closeKey = db.prepare(
      `UPDATE ${TAG_ROLLUP_KEY_TABLE} SET open = 0 WHERE metric_id = ? AND tag_key = ?`,
    );
    this.deleteValues = db.prepare(
      `DELETE FROM ${TAG_ROLLUP_VALUE_TABLE} WHERE metric_id = ? AND tag_key = ?`,
    );
    this.deleteRows = TIERS.map((t) =>
      db.prepare(`DELETE FROM ${tagRollupTable(t.name)} WHERE metric_id = ? AND tag_key = ?`),
    );
  }

  /**
   * Adds stored aggregates into the rollups of their open keys, every tier. The aggregates of
   * series with the same open values are merged first, once each, and only those few merges go
   * into every key's rows: a series with three rolled-up keys costs the write one merge, not three.
   */
  add(aggregates: readonly Aggregate[], ids: readonly SeriesIds[]): void {
    // Every new series first, so that a key closed by one of them is left out of the whole write.
    aggregates.forEach((a, i) => {
      const { metricId, seriesId } = ids[i] as SeriesIds;
      if (!this.targets.has(seriesId)) this.register(metricId, a.tags);
    });
    const finest = (TIERS[0] as Tier).resolutionMs;
    const combined = new Map<string, { targets: Targets; agg: Aggregate; copied: boolean }>();
    aggregates.forEach((agg, i) => {
      const { metricId, seriesId } = ids[i] as SeriesIds;
      const targets = this.targetsOf(metricId, seriesId, agg.tags);
      if (targets.pairs.length === 0) return;
      const start = floorTo(agg.start, finest);
      const id = `${targets.combination}\u0000${start}`;
      const row = combined.get(id);
      if (row === undefined) combined.set(id, { targets, agg, copied: false });
      else {
        // rebucket copies: the aggregates of the write are the tier rows' too.
        if (!row.copied) row.agg = rebucket(row.agg, start);
        row.copied = true;
        mergeAggregate(row.agg, agg);
      }
    });
    const entries: RollupEntry[] = [];
    for (const { targets, agg } of combined.values()) {
      for (const [key, value] of targets.pairs) entries.push({ key: [targets.metricId, key, value], agg });
    }
    if (entries.length > 0) upsertRollup(entries, this.upserts);
  }

  /** Deletes a tier's rollup rows before `cutoff` (every key of every metric), as its tier rows are. */
  applyRetention(tier: Tier['name'], cutoff: number): void {
    this.db
      .prepare(
        `DELETE FROM ${tagRollupTable(tier)} WHERE (metric_id, tag_key) IN
           (SELECT metric_id, tag_key FROM ${TAG_ROLLUP_KEY_TABLE}) AND start < ?`,
      )
      .run(cutoff);
  }

  /** Forgets the key states of metrics silent since `cutoff`, before their metric rows go. */
  forgetSilentMetrics(cutoff: number): void {
    for (const table of [TAG_ROLLUP_KEY_TABLE, TAG_ROLLUP_VALUE_TABLE]) {
      this.db
        .prepare(`DELETE FROM ${table} WHERE metric_id IN (SELECT id FROM metric WHERE last_seen < ?)`)
        .run(cutoff);
    }
    this.clear();
  }

  /** Drops what is cached, after a rollback or once retention deleted metrics. */
  clear(): void {
    this.keyStates.clear();
    this.targets.clear();
  }

  private targetsOf(metricId: number, seriesId: number, tags: string): Targets {
    let out = this.targets.get(seriesId);
    if (out === undefined) {
      const states = this.statesOf(metricId);
      const pairs = Object.entries(JSON.parse(tags) as Record<string, string>).filter(
        ([key]) => states.get(key)?.open === true,
      );
      // JSON of the pairs: no two different lists of strings share it.
      out = { metricId, pairs, combination: JSON.stringify([metricId, pairs]) };
      if (this.targets.size >= SERIES_ID_CACHE_MAX) this.targets.clear();
      this.targets.set(seriesId, out);
    }
    return out;
  }

  /** Records a series' keys and values; closes a key whose values pass the bound. */
  private register(metricId: number, tags: string): void {
    const states = this.statesOf(metricId);
    for (const [key, value] of Object.entries(JSON.parse(tags) as Record<string, string>)) {
      let state = states.get(key);
      if (state === undefined) {
        if (states.size >= TAG_ROLLUP_MAX_KEYS) continue;
        this.insertKey.run(metricId, key);
        state = { open: true, values: new Set() };
        states.set(key, state);
      }
      if (!state.open || state.values.has(value)) continue;
      if (state.values.size < TAG_ROLLUP_MAX_VALUES) {
        this.insertValue.run(metricId, key, value);
        state.values.add(value);
        continue;
      }
      state.open = false;
      state.values.clear();
      this.closeKey.run(metricId, key);
      this.deleteValues.run(metricId, key);
      for (const del of this.deleteRows) del.run(metricId, key);
      // Series that named this key as a target must not any more.
      this.targets.clear();
    }
  }

  private statesOf(metricId: number): Map<string, KeyState> {
    let states = this.keyStates.get(metricId);
    if (states === undefined) {
      states = new Map();
      for (const row of this.selectKeys.all(metricId) as { tag_key: string; open: number }[])
        states.set(row.tag_key, { open: row.open === 1, values: new Set() });
      for (const row of this.selectValues.all(metricId) as { tag_key: string; tag_value: string }[])
        states.get(row.tag_key)?.values.add(row.tag_value);
      this.keyStates.set(metricId, states);
    }
    return states;
  }
}
