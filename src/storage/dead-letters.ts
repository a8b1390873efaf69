import { aggregateProblem } from '../core/index.js';
import type { Aggregate } from '../core/index.js';
import type { Checkpoint, DeadLetter, DeadLetterRecord } from './store.js';

/**
 * Dead letters: what a store does with an aggregate it can never hold. Both stores set such an
 * aggregate aside with its reason, in the write that met it, and store the rest, so one bad record
 * never stops the pipeline (a write retried for ever would hold back every later sample).
 */

/** Dead letters a store keeps at most; the oldest go first. Each is a few hundred bytes. */
export const DEAD_LETTER_LIMIT = 100_000;

/** The stored form of a number that may not be finite (JSON and SQLite have no NaN). */
export function numberText(n: number): string {
  return String(n);
}

export function deadLetterRecord(
  letter: DeadLetter,
  at: number,
  checkpoint: Checkpoint | undefined,
): DeadLetterRecord {
  const a = letter.aggregate;
  return {
    at,
    service: a.service,
    metric: a.name,
    type: a.type,
    tags: a.tags,
    start: a.start,
    count: a.count,
    sum: numberText(a.sum),
    min: numberText(a.min),
    max: numberText(a.max),
    last: numberText(a.last),
    reason: letter.reason,
    checkpoint,
  };
}

/** The error's message, as a dead letter's reason says it. */
export function failureReason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Finds, by bisection, the aggregates of a refused write that can never be stored, for a store
 * whose writes are each atomic but cost a round trip (ClickHouse). `write` stores one part; `path`
 * names the part ('' the whole, then '0'/'1' for halves, recursively), the same for the same
 * input, so a store can derive each part's deduplication token from it and a replay of the same
 * batch repeats exactly the same parts. A failure that is not `permanent` ends the search: the
 * caller retries the whole batch later, and parts already stored are dropped as repeats.
 *
 * The whole was refused already; its halves are tried first. Costs about 2 log2(n) writes per
 * refused aggregate.
 */
export async function bisectRefused(
  aggregates: readonly Aggregate[],
  write: (part: readonly Aggregate[], path: string) => Promise<void>,
  permanent: (err: unknown) => boolean,
  firstError: unknown,
): Promise<DeadLetter[]> {
  const refused: DeadLetter[] = [];
  const visit = async (part: readonly Aggregate[], path: string, error: unknown): Promise<void> => {
    const only = part[0];
    if (part.length === 1 && only !== undefined) {
      refused.push({ aggregate: only, reason: failureReason(error) });
      return;
    }
    const mid = Math.ceil(part.length / 2);
    for (const [half, suffix] of [
      [part.slice(0, mid), '0'],
      [part.slice(mid), '1'],
    ] as const) {
      if (half.length === 0) continue;
      try {
        await write(half, path + suffix);
      } catch (err) {
        if (!permanent(err)) throw err;
        await visit(half, path + suffix, err);
      }
    }
  };
  await visit(aggregates, '', firstError);
  return refused;
}

/**
 * Splits a write's aggregates into those a store may try and those that can never be stored
 * (aggregateProblem). Empty aggregates hold nothing and are dropped.
 */
export function sortForStorage(aggregates: readonly Aggregate[]): {
  storable: Aggregate[];
  refused: DeadLetter[];
} {
  const storable: Aggregate[] = [];
  const refused: DeadLetter[] = [];
  for (const a of aggregates) {
    if (a.count === 0) continue;
    const problem = aggregateProblem(a);
    if (problem === undefined) storable.push(a);
    else refused.push({ aggregate: a, reason: problem });
  }
  return { storable, refused };
}

/**
 * A dead letter as both stores select it (the same column names); numbers may come quoted
 * (ClickHouse's 64-bit integers) and the position empty (a write without one).
 */
export interface StoredDeadLetterRow {
  readonly at: number | string;
  readonly service: string;
  readonly metric: string;
  readonly type: string;
  readonly tags: string;
  readonly start: number | null;
  readonly count: number | null;
  readonly sum: string;
  readonly min: string;
  readonly max: string;
  readonly last: string;
  readonly reason: string;
  readonly source: string | null;
  readonly partition: number | null;
  readonly offset: number | string | null;
}

export function fromStoredRow(r: StoredDeadLetterRow): DeadLetterRecord {
  const positioned = r.source !== null && r.source !== '' && r.partition !== null && r.offset !== null;
  return {
    at: Number(r.at),
    service: r.service,
    metric: r.metric,
    type: r.type,
    tags: r.tags,
    start: r.start ?? Number.NaN,
    count: r.count ?? Number.NaN,
    sum: r.sum,
    min: r.min,
    max: r.max,
    last: r.last,
    reason: r.reason,
    checkpoint: positioned
      ? { source: r.source as string, partition: r.partition as number, offset: Number(r.offset) }
      : undefined,
  };
}
