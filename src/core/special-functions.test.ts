import { describe, expect, it } from 'vitest';
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTTwoSidedP } from './special-functions.js';

/*
 * Reference values from SciPy 1.17.1, computed once in a throwaway virtualenv:
 * scipy.special.gammaln(x), scipy.special.betainc(a, b, x), scipy.stats.t.cdf(t, df) and
 * 2 * scipy.stats.t.sf(abs(t), df). Tolerances are absolute (1e-9), and relative (1e-6) for small
 * tails, which must keep their digits.
 */

describe('logGamma', () => {
  it.each([
    [1, 0],
    [2, 0],
    [0.5, 0.5 * Math.log(Math.PI)],
    [5, Math.log(24)],
    [10.5, 13.940625219403763],
    [0.1, 2.252712651734206],
    [171, 706.5730622457875],
  ])('lnΓ(%d)', (x, expected) => {
    expect(logGamma(x)).toBeCloseTo(expected, 11);
  });

  it('refuses a non-positive argument', () => {
    expect(() => logGamma(0)).toThrow(RangeError);
    expect(() => logGamma(-1)).toThrow(RangeError);
  });
});

describe('regularizedIncompleteBeta', () => {
  it.each([
    [0.5, 0.5, 0.3, 0.36901011956554536],
    [1, 1, 0.42, 0.42],
    [2, 3, 0.4, 0.5248],
    [5, 0.5, 0.9, 0.3166429150200122],
    [0.5, 5, 0.05, 0.515208786901603],
    [10, 10, 0.5, 0.5],
    [10, 10, 0.3, 0.032553356881300934],
    [30, 2, 0.95, 0.5365969098573434],
    [1.5, 0.5, 0.999, 0.9597433418849682],
    [100, 0.5, 0.98, 0.04468549636263327],
    [1000, 0.5, 0.999, 0.15724727426672383],
    [5000, 0.5, 0.9995, 0.02533267265780569],
    [0.1, 0.1, 0.01, 0.3203082503756264],
    [50, 50, 0.55, 0.8413478010629014],
  ])('I_x(%d, %d) at x = %d matches SciPy', (a, b, x, expected) => {
    const got = regularizedIncompleteBeta(x, a, b);
    expect(Math.abs(got - expected)).toBeLessThan(1e-9);
  });

  it('is 0 at x = 0 and 1 at x = 1, and refuses arguments outside its domain', () => {
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0);
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1);
    expect(() => regularizedIncompleteBeta(1.5, 2, 3)).toThrow(RangeError);
    expect(() => regularizedIncompleteBeta(Number.NaN, 2, 3)).toThrow(RangeError);
    expect(() => regularizedIncompleteBeta(0.5, 0, 3)).toThrow(RangeError);
  });

  it('obeys the symmetry I_x(a, b) = 1 - I_(1-x)(b, a)', () => {
    for (const [a, b, x] of [
      [3, 7, 0.2],
      [0.7, 2.5, 0.6],
      [40, 12, 0.75],
    ] as const) {
      expect(regularizedIncompleteBeta(x, a, b)).toBeCloseTo(1 - regularizedIncompleteBeta(1 - x, b, a), 12);
    }
  });
});

describe("Student's t distribution", () => {
  // [t, df, cdf, two-sided p]
  const SCIPY: [number, number, number, number][] = [
    [0, 1, 0.5, 1],
    [1, 1, 0.75, 0.5],
    [-1, 1, 0.25, 0.5],
    [2, 2, 0.908248290463863, 0.18350341907227397],
    [-2.5, 3, 0.04385332350403278, 0.08770664700806556],
    [1.96, 1000, 0.9748634075221256, 0.050273184955748736],
    [2.228, 10, 0.9749941140914443, 0.05001177181711132],
    [0.5, 4.5, 0.6797252489629764, 0.6405495020740474],
    [-3.7, 7.3, 0.003552118880676354, 0.007104237761352708],
    [12, 5, 0.9999645525374142, 7.089492517161522e-5],
    [-8, 30, 3.1329112378503795e-9, 6.265822475700759e-9],
    [0.01, 50000, 0.5039893363665702, 0.9920213272668595],
    [4, 200, 0.999955434523907, 8.913095218593442e-5],
    [1.5, 1e5, 0.9331912202385847, 0.13361755952283066],
    [-40, 3, 1.7190340394579253e-5, 3.4380680789158506e-5],
  ];

  it.each(SCIPY)('t = %d, df = %d: CDF and two-sided p match SciPy', (t, df, cdf, p) => {
    expect(Math.abs(studentTCdf(t, df) - cdf)).toBeLessThan(1e-9);
    expect(Math.abs(studentTTwoSidedP(t, df) - p)).toBeLessThan(1e-9);
    // Small tails keep their relative precision too (they are not 1 - something).
    expect(Math.abs(studentTTwoSidedP(t, df) - p) / p).toBeLessThan(1e-6);
  });

  it('reproduces published t-table critical values', () => {
    // Two-sided 5 % critical values: df 1 -> 12.706, 5 -> 2.571, 30 -> 2.042 (three decimals).
    expect(studentTTwoSidedP(12.706, 1)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSidedP(2.571, 5)).toBeCloseTo(0.05, 4);
    expect(studentTTwoSidedP(2.042, 30)).toBeCloseTo(0.05, 4);
  });

  it('gives 0 for an infinite t and refuses NaN or a bad df instead of answering NaN', () => {
    expect(studentTTwoSidedP(Number.POSITIVE_INFINITY, 4)).toBe(0);
    expect(studentTCdf(Number.NEGATIVE_INFINITY, 4)).toBe(0);
    expect(studentTCdf(Number.POSITIVE_INFINITY, 4)).toBe(1);
    expect(() => studentTCdf(Number.NaN, 4)).toThrow(RangeError);
    expect(() => studentTCdf(1, 0)).toThrow(RangeError);
    expect(() => studentTCdf(1, Number.POSITIVE_INFINITY)).toThrow(RangeError);
  });

  it('stays within [0, 1] and monotone across a sweep of t and df', () => {
    for (const df of [1, 1.7, 3, 12.4, 99, 2500, 40_000]) {
      let previous = 0;
      for (let t = -60; t <= 60; t += 0.25) {
        const c = studentTCdf(t, df);
        expect(c).toBeGreaterThanOrEqual(previous);
        expect(c).toBeLessThanOrEqual(1);
        previous = c;
      }
    }
  });
});
