import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { MINUTE_MS, addSample, canonicalTags, newAggregate } from '../../core/index.js';
import type { Aggregate, TierRetention } from '../../core/index.js';
import { SqliteStore } from './sqlite-store.js';
import { isRecordError } from './dead-letter-table.js';
import { bucketQuery, tier } from '../../../test/support/fixtures.js';

/**
 * A record that can never be stored must not stop the store: it is set aside with its reason in
 * the same transaction as the rest of the batch and its checkpoint.
 */
const T0 = Date.UTC(2024, 0, 1);
const FOREVER: TierRetention = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
const SOURCE = 'log-1';

let dir: string;
let path: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-dead-'));
  path = join(dir, 'vantage.db');
  store = new SqliteStore({ path, retention: FOREVER });
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function agg(value: number, route: string, minute = 0): Aggregate {
  const a = newAggregate(
    'checkout',
    'latency_ms',
    'gauge',
    canonicalTags({ route }),
    T0 + minute * MINUTE_MS,
  );
  addSample(a, value, T0 + minute * MINUTE_MS + 1_000);
  return a;
}

async function sums(route: string, stepMs = MINUTE_MS): Promise<number[]> {
  const t = stepMs === MINUTE_MS ? tier('1m') : tier('5m');
  const groups = await store.queryBuckets(
    bucketQuery(T0, { tagFilters: [['route', route]], stepMs, tier: t }),
  );
  return groups.flatMap((g) => g.buckets.map((b) => b.sum));
}

describe('SqliteStore dead letters', () => {
  it('sets aside aggregates that are not finite, stores the rest and the checkpoint, in one write', async () => {
    // What an older collector put on the bus: two halves of one 5-minute bucket that overflowed.
    const plus = { ...agg(1, '/poison', 0), sum: Number.POSITIVE_INFINITY };
    const minus = { ...agg(1, '/poison', 1), sum: Number.NEGATIVE_INFINITY };
    const nan = { ...agg(1, '/nan', 0), sum: Number.NaN, max: Number.NaN };
    const report = await store.write(
      [plus, agg(5, '/ok', 0), minus, nan, agg(7, '/ok', 1)],
      [{ source: SOURCE, partition: 0, offset: 41 }],
    );
    expect(report.deadLetters.map((d) => d.reason)).toEqual([
      'sum is Infinity, not a finite number',
      'sum is -Infinity, not a finite number',
      'sum is NaN, not a finite number',
    ]);
    expect(await sums('/ok')).toEqual([5, 7]);
    expect(await sums('/ok', 5 * MINUTE_MS)).toEqual([12]);
    expect(await sums('/poison')).toEqual([]);
    expect(await store.checkpoints(SOURCE)).toEqual([{ source: SOURCE, partition: 0, offset: 41 }]);

    const letters = await store.deadLetters({ limit: 10, offset: 0 });
    expect(letters).toHaveLength(3);
    expect(letters[0]).toMatchObject({
      service: 'checkout',
      metric: 'latency_ms',
      tags: '{"route":"/nan"}',
      start: T0,
      count: 1,
      sum: 'NaN',
      max: 'NaN',
      reason: 'sum is NaN, not a finite number',
      checkpoint: { source: SOURCE, partition: 0, offset: 41 },
    });
    expect(letters.map((l) => l.sum)).toEqual(['NaN', '-Infinity', 'Infinity']);
    expect(await store.deadLetters({ limit: 2, offset: 2 })).toHaveLength(1);
  });

  it('narrows a write the database refuses to the aggregates it refuses', async () => {
    // Another connection adds a rule the writer's statements break for one value only: SQLite
    // answers SQLITE_CONSTRAINT_TRIGGER, which no retry can change.
    const other = new Database(path);
    other.exec(`CREATE TRIGGER refuse_666 BEFORE INSERT ON agg_5m WHEN NEW.sum = 666
                BEGIN SELECT RAISE(ABORT, 'six six six is refused'); END`);
    other.close();
    const report = await store.write(
      [agg(1, '/a'), agg(666, '/refused'), agg(2, '/b', 1)],
      [{ source: SOURCE, partition: 0, offset: 7 }],
    );
    expect(report.deadLetters).toHaveLength(1);
    expect(report.deadLetters[0]?.aggregate.tags).toBe('{"route":"/refused"}');
    expect(report.deadLetters[0]?.reason).toBe('six six six is refused');
    expect(await sums('/a')).toEqual([1]);
    expect(await sums('/b')).toEqual([2]);
    // Every tier of the refused aggregate was rolled back with it, its series too.
    expect(await sums('/refused')).toEqual([]);
    expect(await sums('/refused', 5 * MINUTE_MS)).toEqual([]);
    expect(await store.checkpoints(SOURCE)).toEqual([{ source: SOURCE, partition: 0, offset: 7 }]);

    // Series ids handed out in rolled-back transactions are forgotten: new series written next
    // get ids of their own, and nothing lands on another series' rows.
    await store.write([agg(3, '/c'), agg(4, '/refused', 2), agg(5, '/d')], []);
    expect(await sums('/c')).toEqual([3]);
    expect(await sums('/d')).toEqual([5]);
    expect(await sums('/refused')).toEqual([4]);
    expect(await sums('/a')).toEqual([1]);
  });

  it('tells failures that blame the record from those a retry may fix', () => {
    const error = (code: string): Error => new Database.SqliteError('failed', code);
    for (const code of [
      'SQLITE_CONSTRAINT_NOTNULL',
      'SQLITE_CONSTRAINT_TRIGGER',
      'SQLITE_TOOBIG',
      'SQLITE_MISMATCH',
    ])
      expect(isRecordError(error(code)), code).toBe(true);
    for (const code of [
      'SQLITE_BUSY',
      'SQLITE_LOCKED',
      'SQLITE_FULL',
      'SQLITE_IOERR_WRITE',
      'SQLITE_READONLY',
      'SQLITE_CORRUPT',
    ])
      expect(isRecordError(error(code)), code).toBe(false);
    // A sketch's bytes our codec refuses, as sketch_merge reports them from inside SQLite.
    expect(isRecordError(new RangeError('quantile sketch length does not match its header'))).toBe(true);
    expect(isRecordError(new TypeError('The database connection is not open'))).toBe(false);
  });
});
