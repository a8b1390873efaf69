import { studentTTwoSidedP } from './special-functions.js';

/** Welch's unequal-variances t-test of B against A, two-sided. */
export interface WelchTTest {
  /** (mean B - mean A) / standard error: positive when B is higher. */
  readonly t: number;
  /** Welch–Satterthwaite degrees of freedom (not a whole number in general). */
  readonly df: number;
  readonly pValue: number;
}

/** Why the test has no answer for these samples. */
export interface WelchUndefined {
  readonly reason: string;
}

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}

/**
 * The unbiased sample variance (n - 1), two-pass for accuracy. Exactly 0 when every value is the
 * same: computing it would leave rounding noise of the mean (0.1 + 0.1 + 0.1 is not 0.3), and a
 * variance of 1e-33 would turn a constant into an infinitely significant difference.
 */
export function sampleVariance(values: readonly number[]): number {
  const first = values[0];
  if (values.every((v) => v === first)) return 0;
  const m = mean(values);
  let squares = 0;
  for (const v of values) squares += (v - m) * (v - m);
  return squares / (values.length - 1);
}

/**
 * Welch's t-test: do A and B have the same mean, without assuming the same variance? Each side
 * needs at least two values; when both sides are constant the statistic is undefined (0/0 or
 * x/0), as in SciPy and R, and the answer says so instead of returning NaN or Infinity.
 */
export function welchTTest(a: readonly number[], b: readonly number[]): WelchTTest | WelchUndefined {
  for (const [name, side] of [
    ['A', a],
    ['B', b],
  ] as const) {
    if (side.length < 2)
      return { reason: `side ${name} has ${side.length} value(s); the test needs 2 or more` };
    if (!side.every(Number.isFinite)) return { reason: `side ${name} holds a value that is not finite` };
  }
  // t, df and p do not change when both sides are scaled by one factor; scaling the largest
  // magnitude to 1 keeps the squares below from overflowing (1e200) or underflowing (1e-200).
  const scale = [...a, ...b].reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const x = scale > 0 ? a.map((v) => v / scale) : a;
  const y = scale > 0 ? b.map((v) => v / scale) : b;
  // Squared standard errors of each mean.
  const seA = sampleVariance(x) / x.length;
  const seB = sampleVariance(y) / y.length;
  const se = seA + seB;
  if (se === 0) {
    return { reason: 'both sides are constant (zero variance), so the t statistic is undefined' };
  }
  const t = (mean(y) - mean(x)) / Math.sqrt(se);
  // Welch–Satterthwaite, (seA + seB)² / (seA²/(nA-1) + seB²/(nB-1)), written with the shares of
  // each side, which lie in [0, 1].
  const shareA = seA / se;
  const shareB = seB / se;
  const df = 1 / ((shareA * shareA) / (x.length - 1) + (shareB * shareB) / (y.length - 1));
  return { t, df, pValue: studentTTwoSidedP(t, df) };
}

export function isWelchUndefined(r: WelchTTest | WelchUndefined): r is WelchUndefined {
  return 'reason' in r;
}
