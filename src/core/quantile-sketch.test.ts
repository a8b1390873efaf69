import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { QuantileSketch, SKETCH_RELATIVE_ACCURACY } from './quantile-sketch.js';
import { seededRandom as rng } from '../../test/support/fixtures.js';

function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function sketchOf(values: readonly number[]): QuantileSketch {
  const s = new QuantileSketch();
  for (const v of values) s.add(v);
  return s;
}

/** The sample at rank floor(q * (n - 1)) of the sorted data, the rank the sketch documents. */
function exactQuantile(sorted: readonly number[], q: number): number {
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

// Floating-point rounding at bucket edges may add a few ulps to the documented bound.
const TOLERANCE = SKETCH_RELATIVE_ACCURACY * (1 + 1e-9);

function expectWithinAccuracy(estimate: number, exact: number): void {
  if (exact === 0) {
    expect(estimate).toBe(0);
    return;
  }
  expect(Math.sign(estimate)).toBe(Math.sign(exact));
  expect(Math.abs(estimate - exact) / Math.abs(exact)).toBeLessThanOrEqual(TOLERANCE);
}

const QS = [0, 0.5, 0.9, 0.95, 0.99, 1];

function expectAccurate(values: readonly number[]): void {
  const sketch = sketchOf(values);
  const sorted = [...values].sort((a, b) => a - b);
  expect(sketch.count).toBe(values.length);
  for (const q of QS) expectWithinAccuracy(sketch.quantile(q), exactQuantile(sorted, q));
}

function generate(n: number, seed: number, draw: (random: () => number) => number): number[] {
  const random = rng(seed);
  return Array.from({ length: n }, () => draw(random));
}

describe('QuantileSketch accuracy', () => {
  it('is within the relative accuracy on uniform data', () => {
    expectAccurate(generate(20_000, 1, (r) => r() * 1000));
  });

  it('is within the relative accuracy on lognormal, latency-like data', () => {
    expectAccurate(generate(20_000, 2, (r) => Math.exp(3 + 1.2 * normal(r))));
  });

  it('is within the relative accuracy on a heavy (Pareto) tail', () => {
    expectAccurate(generate(20_000, 3, (r) => 1 / Math.pow(1 - r(), 1 / 1.1)));
  });

  it('is within the relative accuracy on data with negatives and zeros', () => {
    expectAccurate(
      generate(20_000, 4, (r) => {
        const u = r();
        if (u < 0.15) return 0;
        return (u < 0.55 ? -1 : 1) * Math.exp(8 * r() - 4);
      }),
    );
  });

  it('is within the relative accuracy on all-negative data', () => {
    expectAccurate(generate(5_000, 5, (r) => -1 - r() * 1e6));
  });

  it('answers a single value at every quantile', () => {
    for (const v of [42.5, -7, 0, 1e-3, 1e12]) {
      const s = sketchOf([v]);
      for (const q of QS) expectWithinAccuracy(s.quantile(q), v);
    }
  });

  it('answers a million copies of one constant', () => {
    const s = new QuantileSketch();
    for (let i = 0; i < 1_000_000; i++) s.add(123.456);
    expect(s.count).toBe(1_000_000);
    for (const q of QS) expectWithinAccuracy(s.quantile(q), 123.456);
  });

  it('is accurate for arbitrary data (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e9, max: 1e9, noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 300,
        }),
        (raw) => {
          // Magnitudes below 1e-9 are documented to count as zero.
          const values = raw.map((v) => (Math.abs(v) < 1e-9 ? 0 : v));
          expectAccurate(values);
        },
      ),
      { numRuns: 200 },
    );
  });

  // Finite values pass the collector's validation up to Number.MAX_VALUE, but bucket indexes are
  // clamped at int16's 32767, i.e. gamma^32767 ~ 1.3e284: every larger value lands in that bucket.
  it('is within the relative accuracy for very large finite values', () => {
    expectAccurate([1e290, 5e295, 1e300, 1.5e307]);
  });

  it('counts weights', () => {
    const s = new QuantileSketch();
    s.add(10, 99);
    s.add(1000, 1);
    expect(s.count).toBe(100);
    expectWithinAccuracy(s.quantile(0.5), 10);
    expectWithinAccuracy(s.quantile(1), 1000);
  });

  it('returns NaN for an empty sketch and clamps q into [0, 1]', () => {
    expect(new QuantileSketch().quantile(0.5)).toBeNaN();
    const s = sketchOf([1, 2, 3, 100]);
    expect(s.quantile(-1)).toBe(s.quantile(0));
    expect(s.quantile(2)).toBe(s.quantile(1));
    expectWithinAccuracy(s.quantile(1), 100);
  });
});

describe('QuantileSketch merge', () => {
  it('of parts equals the sketch of the whole, in any split and order (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true, noDefaultInfinity: true }), {
          maxLength: 200,
        }),
        fc.array(fc.nat(), { maxLength: 200 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.nat(), { minLength: 6, maxLength: 6 }),
        (values, assignment, parts, orderKeys) => {
          const whole = sketchOf(values);
          const pieces = Array.from({ length: parts }, () => new QuantileSketch());
          values.forEach((v, i) => pieces[(assignment[i] ?? i) % parts]?.add(v));
          const order = pieces
            .map((p, i) => ({ p, k: orderKeys[i] ?? 0 }))
            .sort((a, b) => a.k - b.k)
            .map((x) => x.p);
          const merged = new QuantileSketch();
          for (const p of order) merged.merge(p);
          expect(merged.count).toBe(whole.count);
          expect(merged.encode().equals(whole.encode())).toBe(true);
          for (const q of QS) expect(Object.is(merged.quantile(q), whole.quantile(q))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('merging into a non-empty sketch gives the same bytes both ways round', () => {
    const a = sketchOf(generate(1000, 6, (r) => r() * 50 - 10));
    const b = sketchOf(generate(1000, 7, (r) => Math.exp(5 * r())));
    const ab = QuantileSketch.decode(a.encode());
    ab.merge(b);
    const ba = QuantileSketch.decode(b.encode());
    ba.merge(a);
    expect(ab.encode().equals(ba.encode())).toBe(true);
    expect(ab.count).toBe(2000);
  });

  it('leaves the merged-from sketch unchanged', () => {
    const a = sketchOf([1, 2, 3]);
    const b = sketchOf([4, 5]);
    const before = b.encode();
    a.merge(b);
    expect(b.encode().equals(before)).toBe(true);
    expect(b.count).toBe(2);
  });
});

describe('QuantileSketch encoding', () => {
  it('round-trips through encode/decode (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e12, max: 1e12, noNaN: true, noDefaultInfinity: true }), {
          maxLength: 200,
        }),
        (values) => {
          const s = sketchOf(values);
          const back = QuantileSketch.decode(s.encode());
          expect(back.count).toBe(s.count);
          expect(back.encode().equals(s.encode())).toBe(true);
          for (const q of QS) expect(Object.is(back.quantile(q), s.quantile(q))).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('decodes from a Uint8Array view with a non-zero byte offset', () => {
    const s = sketchOf([-5, 0, 0.5, 3, 3, 900]);
    const bytes = s.encode();
    const backing = new Uint8Array(bytes.length + 13);
    backing.set(bytes, 7);
    const view = new Uint8Array(backing.buffer, 7, bytes.length);
    const back = QuantileSketch.decode(view);
    expect(back.count).toBe(6);
    expect(back.encode().equals(bytes)).toBe(true);
  });

  // Stored rows (SQLite `sketch` blobs, bus messages in flight) hold the version-1 layout: a
  // change of layout needs a new version byte and a decoder that still reads this one.
  it('decodes the version-1 layout that stored sketches hold', () => {
    const v1 = Buffer.alloc(17 + 3 * 10);
    v1.writeUInt8(1, 0);
    v1.writeDoubleLE(2, 1); // two zeros
    v1.writeUInt32LE(2, 9); // positive buckets
    v1.writeUInt32LE(1, 13); // negative buckets
    let at = 17;
    for (const [index, count] of [
      [187, 1], // 42
      [346, 1], // 1000
      [277, 1], // -250
    ]) {
      v1.writeInt16LE(index as number, at);
      v1.writeDoubleLE(count as number, at + 2);
      at += 10;
    }
    const s = QuantileSketch.decode(v1);
    expect(s.count).toBe(5);
    const sorted = [-250, 0, 0, 42, 1000];
    for (const q of QS) expectWithinAccuracy(s.quantile(q), exactQuantile(sorted, q));
  });

  it('encodes an empty sketch as a bare header', () => {
    const bytes = new QuantileSketch().encode();
    expect(bytes.length).toBe(17);
    const back = QuantileSketch.decode(bytes);
    expect(back.count).toBe(0);
    expect(back.quantile(0.5)).toBeNaN();
  });

  it('rejects garbage', () => {
    const good = sketchOf([1, 2, 3, -4]).encode();
    const wrongVersion = Buffer.from(good);
    wrongVersion[0] = 99;
    expect(() => QuantileSketch.decode(Buffer.alloc(0))).toThrow(RangeError);
    expect(() => QuantileSketch.decode(Buffer.from('hello'))).toThrow(RangeError);
    expect(() => QuantileSketch.decode(wrongVersion)).toThrow(RangeError);
    expect(() => QuantileSketch.decode(good.subarray(0, good.length - 1))).toThrow(RangeError);
    expect(() => QuantileSketch.decode(Buffer.concat([good, Buffer.from([0])]))).toThrow(RangeError);
    const hugeCount = Buffer.from(good);
    hugeCount.writeUInt32LE(0xffffffff, 9);
    expect(() => QuantileSketch.decode(hugeCount)).toThrow(RangeError);
  });

  it('either decodes or throws a RangeError on random bytes (property)', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.uint8Array({ maxLength: 80 }), (versioned, tail) => {
        const bytes = versioned ? Buffer.concat([Buffer.from([1]), tail]) : Buffer.from(tail);
        try {
          QuantileSketch.decode(bytes);
        } catch (err) {
          expect(err).toBeInstanceOf(RangeError);
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('QuantileSketch.mergeEncoded', () => {
  it('gives the same sketch as decoding and merging', () => {
    const random = rng(11);
    const parts = [0, 1, 2].map(() => {
      const s = new QuantileSketch();
      for (let i = 0; i < 500; i++) s.add((random() - 0.2) * 1000);
      s.add(0);
      return s;
    });
    const viaDecode = new QuantileSketch();
    const viaEncoded = new QuantileSketch();
    for (const p of parts) {
      viaDecode.merge(QuantileSketch.decode(p.encode()));
      viaEncoded.mergeEncoded(p.encode());
    }
    expect(viaEncoded.encode().equals(viaDecode.encode())).toBe(true);
    expect(viaEncoded.count).toBe(1503);
    expect(() => viaEncoded.mergeEncoded(Buffer.from('junk'))).toThrow(RangeError);
  });
});

describe('QuantileSketch buckets', () => {
  it('gives its buckets and is rebuilt from them exactly, as ClickHouse keeps them', () => {
    const sketch = new QuantileSketch();
    for (const v of [0, 1e-12, 1, 2, 2, 150, -3, -3000, 1e291]) sketch.add(v);
    const buckets = sketch.buckets();
    expect(buckets.zero).toBe(2);
    expect(buckets.positive.map(([, n]) => n).reduce((a, b) => a + b, 0)).toBe(5);
    expect(buckets.negative).toHaveLength(2);
    expect([...buckets.positive.map(([i]) => i)]).toEqual(
      [...buckets.positive.map(([i]) => i)].sort((a, b) => a - b),
    );
    const rebuilt = QuantileSketch.fromBuckets(buckets);
    expect(rebuilt.encode().toString('hex')).toBe(sketch.encode().toString('hex'));
    expect(rebuilt.count).toBe(9);
  });
});
