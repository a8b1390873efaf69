import type { Database as Db } from 'better-sqlite3';
import type { BucketQuery } from '../store.js';
import { TAG_ROLLUP_KEY_TABLE } from './schema.js';

/** The values of one tag key a bucket query reads from the tag rollup, each with its group. */
export interface TagValueSelection {
  readonly key: string;
  readonly values: readonly [string, number][];
}

/**
 * Decides, while a bucket query selects its series, whether the tag rollup (tag-rollup.ts) answers
 * it exactly: its filters and group-by name one key only, every selected series carries that key
 * (a series without it would be a group of '' that no rollup row holds), and the key is open. Then
 * the series selected are exactly those whose value of the key is selected, and each value's
 * rollup row merges exactly them.
 */
export class TagRollupSelection {
  private readonly key: string | undefined;
  private readonly groups = new Map<string, number>();
  private usable: boolean;

  constructor(q: Pick<BucketQuery, 'groupBy' | 'tagFilters'>) {
    const keys = new Set([...q.groupBy, ...q.tagFilters.map(([k]) => k)]);
    this.key = keys.size === 1 ? [...keys][0] : undefined;
    this.usable = this.key !== undefined;
  }

  /** A selected series' tags and the group it went to. */
  add(tags: Readonly<Record<string, string>>, group: number): void {
    if (!this.usable) return;
    const value = tags[this.key as string];
    const known = value === undefined ? undefined : this.groups.get(value);
    if (value === undefined || (known !== undefined && known !== group)) this.usable = false;
    else this.groups.set(value, group);
  }

  /** The values to read, or undefined when the series rows must be read instead. */
  values(db: Db, metricId: number): TagValueSelection | undefined {
    if (!this.usable || this.key === undefined || this.groups.size === 0) return undefined;
    const open = db
      .prepare(`SELECT open FROM ${TAG_ROLLUP_KEY_TABLE} WHERE metric_id = ? AND tag_key = ?`)
      .pluck()
      .get(metricId, this.key);
    return open === 1 ? { key: this.key, values: [...this.groups] } : undefined;
  }
}

/** Replaces the rows of one of the reading connection's temp tables (its key, then the group). */
export function fillTempTable(
  db: Db,
  table: 'query_selection' | 'query_values',
  rows: readonly (readonly [string | number, number])[],
): void {
  db.prepare(`DELETE FROM temp.${table}`).run();
  const insert = db.prepare(`INSERT INTO temp.${table} VALUES (?, ?)`);
  db.transaction(() => {
    for (const row of rows) insert.run(...row);
  })();
}
