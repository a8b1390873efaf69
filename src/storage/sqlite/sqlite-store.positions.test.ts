import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { QuantileSketch } from '../../core/index.js';
import type { CumulativePosition } from '../../core/index.js';
import { SqliteStore } from './sqlite-store.js';

const FOREVER = { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 };
let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-positions-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('SqliteStore cumulative positions', () => {
  it('saves positions with the write and its checkpoint, and a new store reads them back', async () => {
    const path = join(dir, 'vantage.db');
    const sketch = new QuantileSketch();
    sketch.add(12, 3);
    const counter: CumulativePosition = {
      timestamp: 1000,
      start: 10,
      reading: { total: 42, sum: 0, sketch: null },
    };
    const histogram: CumulativePosition = {
      timestamp: 2000,
      start: Number.NaN,
      reading: { total: 3, sum: 36, sketch },
    };
    const first = new SqliteStore({ path, retention: FOREVER });
    await first.write(
      [],
      [{ source: 'w', partition: 0, offset: 7 }],
      [
        { key: 'c', position: counter },
        { key: 'h', position: histogram },
      ],
    );
    // A later write replaces a position.
    await first.write(
      [],
      [{ source: 'w', partition: 0, offset: 8 }],
      [{ key: 'c', position: { ...counter, timestamp: 3000, reading: { total: 50, sum: 0, sketch: null } } }],
    );
    await first.close();

    const second = new SqliteStore({ path, retention: FOREVER });
    const back = await second.cumulativePositions(['c', 'h', 'never']);
    await second.close();
    expect([...back.keys()].sort()).toEqual(['c', 'h']);
    expect(back.get('c')).toEqual({
      timestamp: 3000,
      start: 10,
      reading: { total: 50, sum: 0, sketch: null },
    });
    expect(back.get('h')?.reading.total).toBe(3);
    expect(back.get('h')?.reading.sketch?.quantile(0.5)).toBeCloseTo(12, 0);
    expect(Number.isNaN(back.get('h')?.start)).toBe(true);
  });

  it('forgets the positions of series silent for longer than the longest retention', async () => {
    const store = new SqliteStore({
      path: join(dir, 'vantage.db'),
      retention: { '1m': 10, '5m': 10, '1h': 10, '1d': 1000 },
    });
    const at = (timestamp: number): CumulativePosition => ({
      timestamp,
      start: Number.NaN,
      reading: { total: 1, sum: 0, sketch: null },
    });
    await store.write(
      [],
      [],
      [
        { key: 'old', position: at(1000) },
        { key: 'recent', position: at(5000) },
      ],
    );
    await store.applyRetention(5500);
    const back = await store.cumulativePositions(['old', 'recent']);
    await store.close();
    expect([...back.keys()]).toEqual(['recent']);
  });
});
