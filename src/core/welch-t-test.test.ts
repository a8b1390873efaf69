import { describe, expect, it } from 'vitest';
import { isWelchUndefined, mean, sampleVariance, welchTTest } from './welch-t-test.js';
import type { WelchTTest } from './welch-t-test.js';

function answered(a: number[], b: number[]): WelchTTest {
  const r = welchTTest(a, b);
  if (isWelchUndefined(r)) throw new Error(`expected an answer, got: ${r.reason}`);
  return r;
}

describe("Welch's t-test", () => {
  // scipy.stats.ttest_ind(b, a, equal_var=False) and the Welch–Satterthwaite df, SciPy 1.17.1.
  it.each([
    {
      name: 'equal sizes',
      a: [27.5, 21.0, 19.0, 23.6, 17.0, 17.9, 16.9, 20.1, 21.9, 22.6, 23.1, 19.6, 19.0, 21.7, 21.4],
      b: [27.1, 22.0, 20.8, 23.4, 23.4, 23.5, 25.8, 22.0, 24.8, 20.2, 21.9, 22.1, 22.9, 20.5, 24.4],
      t: 2.455356398286006,
      df: 24.988529290231416,
      p: 0.021378001462866992,
    },
    {
      name: 'unequal sizes and variances',
      a: [17.2, 20.9, 22.6, 18.1, 21.7, 21.4, 23.5, 24.2, 14.7, 21.8],
      b: [
        21.5, 22.8, 21.0, 23.0, 21.6, 23.6, 22.5, 20.7, 23.4, 21.8, 20.7, 21.7, 21.5, 22.5, 23.6, 21.5, 22.5,
        23.5, 21.5, 21.8,
      ],
      t: 1.5654335235985037,
      df: 9.904741248650831,
      p: 0.14884169660532817,
    },
    {
      name: 'one side constant',
      a: [5, 5, 5, 5],
      b: [4.0, 6.5, 5.5, 7.0, 6.0],
      t: 1.5540573797716224,
      df: 4,
      p: 0.1951379175860535,
    },
    {
      name: 'two values each',
      a: [1, 2],
      b: [3, 5],
      t: 2.23606797749979,
      df: 1.4705882352941178,
      p: 0.19872738893452602,
    },
  ])('$name: t, df and p match SciPy', ({ a, b, t, df, p }) => {
    const r = answered(a, b);
    expect(r.t).toBeCloseTo(t, 10);
    expect(r.df).toBeCloseTo(df, 9);
    expect(Math.abs(r.pValue - p)).toBeLessThan(1e-9);
  });

  it('is antisymmetric: swapping the sides flips t and keeps p', () => {
    const a = [3, 4, 5, 4.5, 3.9];
    const b = [6, 5.5, 7.1, 6.4];
    const ab = answered(a, b);
    const ba = answered(b, a);
    expect(ba.t).toBeCloseTo(-ab.t, 12);
    expect(ba.pValue).toBeCloseTo(ab.pValue, 12);
  });

  it('answers t = 0 and p = 1 for samples with the same mean', () => {
    const r = answered([1, 2, 3], [0, 2, 4]);
    expect(r.t).toBe(0);
    expect(r.pValue).toBeCloseTo(1, 12);
  });

  it('has no answer, with a reason and no NaN, when a side is empty, single or both are constant', () => {
    for (const [a, b, reason] of [
      [[], [1, 2, 3], /side A has 0/],
      [[1, 2, 3], [7], /side B has 1/],
      [[2, 2, 2], [3, 3], /both sides are constant/],
      [[0.1, 0.1, 0.1], [0.1, 0.1], /both sides are constant/],
      [[1, Number.NaN], [1, 2], /not finite/],
    ] as const) {
      const r = welchTTest(a, b);
      expect(isWelchUndefined(r)).toBe(true);
      expect((r as { reason: string }).reason).toMatch(reason);
    }
  });

  it('keeps constant samples at exactly zero variance despite rounding in the mean', () => {
    expect(sampleVariance([0.1, 0.1, 0.1])).toBe(0);
    expect(mean([0.1, 0.1, 0.1])).not.toBe(0.1); // why the shortcut exists
  });

  it('gives the same answer at any scale: no overflow at 1e200, no underflow at 1e-200', () => {
    const a = [1, 2, 3];
    const b = [4, 5, 7];
    const unit = answered(a, b);
    for (const factor of [1e-200, 1e200]) {
      const r = answered(
        a.map((v) => v * factor),
        b.map((v) => v * factor),
      );
      expect(r.t).toBeCloseTo(unit.t, 9);
      expect(r.df).toBeCloseTo(unit.df, 9);
      expect(r.pValue).toBeCloseTo(unit.pValue, 12);
    }
  });
});
