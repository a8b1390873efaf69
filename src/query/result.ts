import type { LogicalPlan } from './plan.js';

/** A value of a VQL answer: a group key (text, or epoch ms for a time bucket) or a number. */
export type VqlValue = string | number | null;

/** What a store returns for a plan: one object per group, keyed by the plan's key and aggregate ids. */
export type VqlRow = Readonly<Record<string, VqlValue>>;

export interface VqlAnswer {
  readonly columns: string[];
  readonly rows: VqlValue[][];
}

/**
 * Shapes store rows into the answer: sorts and cuts when the store could not (ORDER BY a
 * percentile, known only after the query), then lays the columns out in SELECT order. Ties break
 * on the group keys, as in the compiled ORDER BY: stores return groups in different orders
 * (ClickHouse in hash order), and LIMIT must cut the same rows on each.
 */
export function shapeVqlAnswer(
  plan: LogicalPlan,
  rows: readonly VqlRow[],
  sortedByStore: boolean,
): VqlAnswer {
  let ordered = rows;
  if (!sortedByStore) {
    const keys = [
      ...plan.orderBy.map((o) => ({ id: o.source.id, direction: o.direction })),
      ...plan.groupKeys
        .filter((k) => !plan.orderBy.some((o) => o.source.id === k.id))
        .map((k) => ({ id: k.id, direction: 'asc' as const })),
    ];
    ordered = [...rows].sort((a, b) => {
      for (const key of keys) {
        const c = compareValues(a[key.id] ?? null, b[key.id] ?? null);
        if (c !== 0) return key.direction === 'asc' ? c : -c;
      }
      return 0;
    });
    ordered = ordered.slice(0, plan.limit);
  }
  return {
    columns: plan.output.map((c) => c.name),
    rows: ordered.map((r) => plan.output.map((c) => r[c.source.id] ?? null)),
  };
}

/** Nulls first, numbers before text, as SQL sorts them ascending. */
function compareValues(a: VqlValue, b: VqlValue): number {
  if (a === b) return 0;
  if (a === null) return -1;
  if (b === null) return 1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'number') return -1;
  if (typeof b === 'number') return 1;
  return a < b ? -1 : 1;
}
