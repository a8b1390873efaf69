import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MINUTE_MS, addSample, newAggregate } from '../../core/index.js';
import type { Aggregate, MetricType, SeriesExemplars, TierRetention } from '../../core/index.js';
import { SqliteStore } from './sqlite-store.js';

const T0 = Date.UTC(2024, 0, 1);
const DAY = 86_400_000;
const RETENTION: TierRetention = { '1m': DAY, '5m': 7 * DAY, '1h': 30 * DAY, '1d': 365 * DAY };
const trace = (n: number): string => n.toString(16).padStart(32, '0');
const span = (n: number): string => n.toString(16).padStart(16, '0');

let dir: string;
let path: string;
let store: SqliteStore;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-exemplars-'));
  path = join(dir, 'vantage.db');
  store = new SqliteStore({ path, retention: RETENTION });
});

afterEach(async () => {
  await store.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

function agg(type: MetricType, tags: string, minute: number): Aggregate {
  const a = newAggregate('checkout', 'latency_ms', type, tags, T0 + minute * MINUTE_MS);
  addSample(a, 1, a.start + 1);
  return a;
}

/** Exemplars of one series-minute at these seconds into the minute, value = second. */
function group(type: MetricType, tags: string, minute: number, seconds: number[]): SeriesExemplars {
  const start = T0 + minute * MINUTE_MS;
  return {
    service: 'checkout',
    name: 'latency_ms',
    type,
    tags,
    start,
    exemplars: seconds.map((s) => ({
      timestamp: start + s * 1000,
      value: s,
      traceId: trace(s),
      spanId: span(s),
    })),
  };
}

const all = { service: 'checkout', metric: 'latency_ms', from: T0, to: T0 + DAY, limit: 100, offset: 0 };

describe('SqliteStore exemplars', () => {
  it('keeps exemplars with the write and reads them back newest first, with their series, a page at a time', async () => {
    await store.write(
      [agg('gauge', '{"route":"/a"}', 0), agg('counter', '{"route":"/b"}', 1)],
      [{ source: 'log', partition: 0, offset: 1 }],
      [],
      [group('gauge', '{"route":"/a"}', 0, [30, 10]), group('counter', '{"route":"/b"}', 1, [5])],
    );
    const read = await store.exemplars(all);
    expect(read).toEqual([
      {
        type: 'counter',
        tags: '{"route":"/b"}',
        timestamp: T0 + MINUTE_MS + 5000,
        value: 5,
        traceId: trace(5),
        spanId: span(5),
      },
      {
        type: 'gauge',
        tags: '{"route":"/a"}',
        timestamp: T0 + 30_000,
        value: 30,
        traceId: trace(30),
        spanId: span(30),
      },
      {
        type: 'gauge',
        tags: '{"route":"/a"}',
        timestamp: T0 + 10_000,
        value: 10,
        traceId: trace(10),
        spanId: span(10),
      },
    ]);
    expect(await store.exemplars({ ...all, limit: 2, offset: 1 })).toEqual(read.slice(1, 3));
    // The range is of the exemplars' own times: from inclusive, to exclusive.
    expect(
      (await store.exemplars({ ...all, from: T0 + 10_000, to: T0 + 30_000 })).map((e) => e.value),
    ).toEqual([10]);
    expect(await store.exemplars({ ...all, metric: 'other' })).toEqual([]);
    expect(await store.checkpoints('log')).toEqual([{ source: 'log', partition: 0, offset: 1 }]);
  });

  it('keeps the latest few of a series-minute across writes, and a replayed write changes nothing', async () => {
    const tags = '{"route":"/a"}';
    await store.write([], [], [], [group('gauge', tags, 0, [1, 20, 40])]);
    await store.write([], [], [], [group('gauge', tags, 0, [30, 2])]);
    await store.write([], [], [], [group('gauge', tags, 0, [30, 2])]);
    expect((await store.exemplars(all)).map((e) => e.value)).toEqual([40, 30, 20]);
    // A new store on the same file reads the same.
    await store.close();
    store = new SqliteStore({ path, retention: RETENTION });
    expect((await store.exemplars(all)).map((e) => e.value)).toEqual([40, 30, 20]);
  });

  it("deletes exemplars past the minute tier's retention, and those of metrics it forgets", async () => {
    const tags = '{"route":"/a"}';
    await store.write(
      [agg('gauge', tags, 0), agg('gauge', tags, 2 * 24 * 60)],
      [],
      [],
      [group('gauge', tags, 0, [1]), group('gauge', tags, 2 * 24 * 60, [2])],
    );
    const report = await store.applyRetention(T0 + 2 * DAY + 60_000);
    expect(report.deletedExemplars).toBe(1);
    expect((await store.exemplars({ ...all, to: T0 + 3 * DAY })).map((e) => e.value)).toEqual([2]);
  });
});
