import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { HOUR_MS, TIERS } from '../../core/index.js';
import { prepareVql } from '../../query/index.js';
import type { VqlRow } from '../../query/index.js';
import {
  FOREVER,
  T0,
  TemporaryStores,
  rollupDataArb,
  writeRollupData,
  rollupTestAggregate as aggregate,
} from '../../../test/support/tag-rollup-fixtures.js';
import { rollupTable, tagRollupTable } from './schema.js';
import type { SqliteStore } from './sqlite-store.js';

const NOW = T0 + 4 * HOUR_MS;
const stores = new TemporaryStores('vantage-tag-rollup-vql-');

/** A random question: its groups and conditions besides time, service and metric. */
interface QuerySpec {
  readonly groups: readonly string[];
  readonly bucket: string | undefined;
  readonly aggregates: readonly string[];
  readonly conditions: readonly string[];
  /** False: every metric of the service, those of earlier runs too. */
  readonly oneMetric: boolean;
}

function vqlOf(metric: string, q: QuerySpec, extra = ''): string {
  const groups = [...q.groups, ...(q.bucket === undefined ? [] : [`time_bucket(${q.bucket})`])];
  const where = [
    "service_name = 'checkout'",
    ...(q.oneMetric ? [`metric_name = '${metric}'`] : []),
    'timestamp > now() - 6h',
    ...q.conditions,
  ];
  return [
    `SELECT ${[...groups, ...q.aggregates].join(', ')} FROM metrics`,
    `WHERE ${where.join(' AND ')}${extra}`,
    ...(groups.length > 0 ? [`GROUP BY ${groups.join(', ')}`] : []),
  ].join(' ');
}

/**
 * The same question asked so that the rollup cannot answer it: a condition on a second key
 * (`all`, which every series carries) reads the same series from the series rows.
 */
const scanOf = " AND tags.all = '1'";
/** For a question over every series: conditions on two keys that every series meets. */
const everySeriesScanOf = " AND tags.all = '1' AND tags.zone IN ('a', 'b')";

async function answer(store: SqliteStore, vql: string): Promise<string[]> {
  const { rows } = await store.queryVql(prepareVql(vql, { now: NOW, retention: FOREVER }));
  // Integer samples make every sum exact whatever the order; rows compare as a set.
  return rows.map((r: VqlRow) => JSON.stringify(r)).sort();
}

/** For random data and random questions: each answer is the one the series rows give (`scan`). */
async function expectAnswersOfScan(specs: fc.Arbitrary<QuerySpec>, scan: string): Promise<void> {
  const store = stores.store();
  let run = 0;
  await fc.assert(
    fc.asyncProperty(
      rollupDataArb,
      fc.array(specs, { minLength: 1, maxLength: 6 }),
      async (data, queries) => {
        const metric = `m${run++}`;
        await writeRollupData(store, data, metric);
        for (const q of queries) {
          const vql = vqlOf(metric, q);
          expect(await answer(store, vql), vql).toEqual(await answer(store, vqlOf(metric, q, scan)));
        }
      },
    ),
    { numRuns: 40 },
  );
}

const aggregatesArb = fc.subarray(
  [
    'avg(value)',
    'sum(value)',
    'min(value)',
    'max(value)',
    'count(*)',
    'last(value)',
    'p50(value)',
    'p99(value)',
  ],
  { minLength: 1 },
);
// 10m and 2h: buckets coarser than the tier they are read from.
const bucketArb = fc.constantFrom(undefined, '1m', '5m', '10m', '1h', '2h');

const values = ['eu', 'us', 'ap', '', 'a', 'b'];
/** Questions over one tag key (`@` in a condition). */
const oneKeySpecArb: fc.Arbitrary<QuerySpec> = fc
  .record({
    key: fc.constantFrom('region', 'zone'),
    groupByKey: fc.boolean(),
    bucket: bucketArb,
    aggregates: aggregatesArb,
    condition: fc.option(
      fc.oneof(
        fc.constantFrom(...values).map((v) => `@ = '${v}'`),
        fc.constantFrom(...values).map((v) => `@ != '${v}'`),
        fc.subarray(values, { minLength: 1 }).map((vs) => `@ IN (${vs.map((v) => `'${v}'`).join(', ')})`),
        fc.constantFrom("@ LIKE 'e%'", "NOT @ LIKE '_s'", "NOT (@ = 'eu' OR @ = 'a')"),
      ),
      { nil: undefined },
    ),
  })
  .map(({ key, groupByKey, condition, ...rest }) => ({
    ...rest,
    groups: groupByKey ? [`tags.${key}`] : [],
    conditions: condition === undefined ? [] : [condition.replaceAll('@', `tags.${key}`)],
    oneMetric: true,
  }));

/** Questions over every series: no tag, no type. */
const everySeriesSpecArb: fc.Arbitrary<QuerySpec> = fc.record({
  groups: fc.subarray(['service_name', 'metric_name']),
  bucket: bucketArb,
  aggregates: aggregatesArb,
  conditions: fc.subarray([
    "metric_name LIKE 'm%'",
    "NOT service_name = 'billing'",
    "metric_name IN ('m0', 'm1')",
  ]),
  oneMetric: fc.boolean(),
});

describe('tag rollups answer VQL (SQLite)', () => {
  it('as the series rows do, for random data and queries over one tag key', async () => {
    await expectAnswersOfScan(oneKeySpecArb, scanOf);
  });

  it('is what a query grouped or filtered by the key reads, and only when every series has the key', async () => {
    const store = stores.store();
    const path = stores.path();
    await store.write(
      ['eu', 'us', 'eu'].map((region, i) => aggregate({ region }, 'gauge', 0, [10 * (i + 1)], 'lat')),
      [],
    );
    const spec: QuerySpec = {
      groups: ['tags.region'],
      bucket: undefined,
      aggregates: ['sum(value)'],
      conditions: [],
      oneMetric: true,
    };
    const sums = async (q: QuerySpec, extra = ''): Promise<unknown[]> =>
      (await answer(store, vqlOf('lat', q, extra))).map((r) => Object.values(JSON.parse(r) as object));
    expect(await sums(spec)).toEqual([
      ['eu', 40],
      ['us', 20],
    ]);
    // A rollup row changed behind the store's back shows in the answer: the query read it.
    const db = new Database(path);
    // Every tier's: the range is read in pieces of several tiers.
    for (const t of TIERS) {
      db.prepare(`UPDATE ${tagRollupTable(t.name)} SET sum = sum + 1000 WHERE tag_value = 'us'`).run();
    }
    db.close();
    expect(await sums(spec)).toEqual([
      ['eu', 40],
      ['us', 1020],
    ]);
    expect(await sums({ ...spec, groups: [], conditions: ["tags.region = 'us'"] })).toEqual([[1020]]);
    expect(await sums(spec, scanOf)).toEqual([
      ['eu', 40],
      ['us', 20],
    ]);
    // A series without the key would be a group of '' that no rollup row holds: the scan answers.
    await store.write([aggregate({}, 'gauge', 0, [5], 'lat')], []);
    expect(await sums(spec)).toEqual([
      ['', 5],
      ['eu', 40],
      ['us', 20],
    ]);
  });
});

describe('metric rollups answer VQL (SQLite)', () => {
  it('as the series rows do, for random data and queries over every series', async () => {
    await expectAnswersOfScan(everySeriesSpecArb, everySeriesScanOf);
  });

  it('are what a query over every series reads, and only such a query', async () => {
    const store = stores.store();
    const path = stores.path();
    await store.write(
      ['gauge', 'gauge', 'counter'].map((type, i) =>
        aggregate({ region: `r${i}` }, type as 'gauge' | 'counter', 0, [10 * (i + 1)], 'lat'),
      ),
      [],
    );
    const sums = async (select: string, extra = '', group = ''): Promise<unknown[]> =>
      (
        await answer(
          store,
          `SELECT ${select} FROM metrics WHERE metric_name = 'lat' AND timestamp > now() - 6h${extra}${group}`,
        )
      ).map((r) => Object.values(JSON.parse(r) as object));
    expect(await sums('sum(value)')).toEqual([[60]]);
    // A rollup row changed behind the store's back shows in the answer: the query read it.
    const db = new Database(path);
    for (const t of TIERS) db.prepare(`UPDATE ${rollupTable(t.name)} SET sum = sum + 1000`).run();
    db.close();
    expect(await sums('sum(value)')).toEqual([[1060]]);
    expect(await sums('service_name, sum(value)', '', ' GROUP BY service_name')).toEqual([
      ['checkout', 1060],
    ]);
    // A series' tags or type tell the series apart, which the metric's rollup does not.
    expect(await sums('sum(value)', " AND tags.all = '1' AND tags.region != 'x'")).toEqual([[60]]);
    expect(await sums('type, sum(value)', '', ' GROUP BY type')).toEqual([
      ['counter', 30],
      ['gauge', 30],
    ]);
    expect(await sums('rate(value)')).toEqual([[(30 + 2) / (6 * 3600)]]);
    expect(await sums('sum(value)', " AND type = 'counter'")).toEqual([[30]]);
    expect(await sums('sum(value)', " AND NOT tags.region IN ('r0', 'r2')")).toEqual([[20]]);
  });
});
