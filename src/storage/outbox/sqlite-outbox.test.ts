import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE_MS, addSample, canonicalTags, newAggregate } from '../../core/index.js';
import type { Aggregate, MetricType } from '../../core/index.js';
import { OutboxReader } from './outbox-reader.js';
import { SqliteOutbox } from './sqlite-outbox.js';
import type { NewOutboxBatch } from './sqlite-outbox.js';

const T0 = Date.UTC(2024, 0, 1, 12);
const SOURCE = 'kafka:metrics-raw';

let dir: string;
let path: string;
const open: { close(): void }[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-outbox-'));
  path = join(dir, 'outbox.db');
});

afterEach(() => {
  for (const o of open.splice(0)) {
    try {
      o.close();
    } catch {
      // Closed by the test.
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function outbox(): SqliteOutbox {
  const o = new SqliteOutbox(path);
  open.push(o);
  return o;
}

function agg(values: number[], minute: number, type: MetricType = 'gauge', host = 'a'): Aggregate {
  const a = newAggregate('checkout', 'latency_ms', type, canonicalTags({ host }), T0 + minute * MINUTE_MS);
  values.forEach((v, i) => addSample(a, v, a.start + i * 1000));
  return a;
}

function batch(partition: number, from: number, end: number, samples: number, attempts = 0): NewOutboxBatch {
  return {
    checkpoint: { source: SOURCE, partition, offset: end },
    firstOffset: from,
    messages: end - from + 1,
    samples,
    oldest: T0,
    attempts,
  };
}

describe('SqliteOutbox', () => {
  it('gives batches back in append order with their checkpoints and the same aggregates, in order', () => {
    const o = outbox();
    const first = [agg([1.5, 2.25, 9], 0), agg([4], 0, 'counter', 'b'), agg([7, 8], 1)];
    const second = [agg([3], 2, 'gauge', 'c')];
    const a = o.append(batch(0, 0, 9, 6, 2), first);
    const b = o.append(batch(1, 0, 4, 1), second);
    expect(b.id).toBeGreaterThan(a.id);
    expect(o.first()).toEqual({ ...batch(0, 0, 9, 6, 2), id: a.id });
    const back = o.aggregates(a.id);
    expect(back.map((x) => ({ ...x, sketch: x.sketch?.encode().toString('hex') ?? null }))).toEqual(
      first.map((x) => ({ ...x, sketch: x.sketch?.encode().toString('hex') ?? null })),
    );
    expect(o.size()).toEqual({ batches: 2, rows: 4, samples: 7, oldest: T0 });
    o.remove(a);
    expect(o.first()?.id).toBe(b.id);
    expect(o.aggregates(a.id)).toEqual([]);
    expect(o.size()).toEqual({ batches: 1, rows: 1, samples: 1, oldest: T0 });
  });

  it('says which partitions hold batches and where each ends, across a reopen', () => {
    const o = outbox();
    o.append(batch(0, 0, 9, 1), [agg([1], 0)]);
    o.append(batch(0, 10, 19, 1), [agg([1], 1)]);
    const p2 = o.append(batch(2, 0, 3, 1), [agg([1], 1)]);
    expect(o.holds(SOURCE, 0)).toBe(true);
    expect(o.holds(SOURCE, 1)).toBe(false);
    expect(o.holds('kafka:other', 0)).toBe(false);
    o.close();
    const again = outbox();
    expect(again.lastOffsets(SOURCE)).toEqual(
      new Map([
        [0, 19],
        [2, 3],
      ]),
    );
    expect(again.holds(SOURCE, 2)).toBe(true);
    again.remove(p2);
    expect(again.holds(SOURCE, 2)).toBe(false);
    expect(again.size().batches).toBe(2);
  });

  it('leaves out aggregates without samples, and counts an attempt', () => {
    const o = outbox();
    const empty = newAggregate('checkout', 'latency_ms', 'gauge', canonicalTags({}), T0);
    const b = o.append(batch(0, 0, 0, 1), [empty, agg([5], 0)]);
    expect(o.aggregates(b.id)).toHaveLength(1);
    o.recordAttempt(b.id);
    expect(o.first()?.attempts).toBe(1);
  });

  it('gives its pages back once drained', () => {
    const o = outbox();
    const many = Array.from({ length: 2_000 }, (_, i) => agg([i, i + 1], i % 60, 'gauge', `h${i}`));
    const held = [0, 1, 2].map((p) => o.append(batch(p, 0, 99, 4_000), many));
    const checkpoint = (): void => {
      const side = new Database(path);
      side.pragma('wal_checkpoint(TRUNCATE)');
      side.close();
    };
    checkpoint();
    const full = statSync(path).size;
    expect(full).toBeGreaterThan(500_000);
    for (const b of held) o.remove(b);
    checkpoint();
    expect(o.isEmpty).toBe(true);
    expect(statSync(path).size).toBeLessThan(full / 4);
  });

  it('refuses a SQLite file that is not an outbox, for writing and for reading', () => {
    const other = join(dir, 'vantage.db');
    const db = new Database(other);
    db.exec('CREATE TABLE metric (id INTEGER PRIMARY KEY)');
    db.close();
    expect(() => new SqliteOutbox(other)).toThrow(/not a Vantage fallback outbox/);
    expect(() => new OutboxReader(other).read(() => 1)).toThrow(/not a Vantage fallback outbox/);
  });

  it('is read by OutboxReader from one snapshot, and not at all before the file exists', () => {
    const reader = new OutboxReader(path);
    open.push(reader);
    expect(reader.read(() => 1)).toBeUndefined();
    const o = outbox();
    const b = o.append(batch(3, 5, 8, 2), [agg([1, 2], 0)]);
    const read = reader.read((q) => {
      // The worker deletes the batch in the middle of the read: the snapshot still holds it.
      o.remove(b);
      return q.aggregates('checkout', 'latency_ms', T0, T0 + MINUTE_MS);
    });
    expect(read?.batches).toEqual([{ id: b.id, checkpoint: { source: SOURCE, partition: 3, offset: 8 } }]);
    expect(read?.value.map((r) => [r.batchId, r.count, r.sum])).toEqual([[b.id, 2, 3]]);
    expect(reader.read((q) => q.metrics())?.batches).toEqual([]);
  });
});
