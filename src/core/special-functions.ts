/**
 * The few special functions the A/B comparison needs for Student's t distribution: log-gamma, the
 * regularized incomplete beta function and the t CDF built on it. Ours rather than a statistics
 * package because the one maintained in JavaScript (@stdlib) pulls in hundreds of packages for
 * what is fifty lines of textbook numerics; accuracy is pinned against SciPy in
 * special-functions.test.ts (better than 1e-9 over the range the t-test uses).
 */

/**
 * Lanczos coefficients for g = 7, n = 9 (the set published by Paul Godfrey): about 15 significant
 * digits for every positive argument.
 */
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0. */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new RangeError(`logGamma needs a positive argument, got ${x}`);
  // The Lanczos series is accurate from 1/2 up; below, the reflection formula
  // Γ(x) Γ(1 - x) = π / sin(πx) moves the argument there.
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let series = LANCZOS[0] as number;
  for (let i = 1; i < LANCZOS.length; i++) series += (LANCZOS[i] as number) / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** ln B(a, b) = ln Γ(a) + ln Γ(b) - ln Γ(a + b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** Relative change below which a continued fraction counts as converged. */
const EPSILON = 1e-15;
/** Stands in for zero in Lentz's method, where a zero would divide. */
const TINY = 1e-300;
/**
 * The fraction for I_x(a, b) converges in O(sqrt(max(a, b))) terms; a t-test's a is half its
 * degrees of freedom, at most a few tens of thousands here (query steps per side), so this bound is
 * never reached for a valid input.
 */
const MAX_TERMS = 10_000;

/**
 * Evaluates the continued fraction b0 + a1 / (b1 + a2 / (b2 + ...)) by the modified Lentz method
 * (Thompson and Barnett, 1986): it runs forward, keeping the ratios C_j = f_j / f_{j-1} of
 * successive convergents and D_j = 1 / (their denominators' ratio), so it needs no bound on the
 * number of terms in advance and stops once a term changes the value by less than EPSILON.
 */
function continuedFraction(b0: number, term: (j: number) => readonly [a: number, b: number]): number {
  let f = b0 === 0 ? TINY : b0;
  let c = f;
  let d = 0;
  for (let j = 1; j <= MAX_TERMS; j++) {
    const [a, b] = term(j);
    d = b + a * d;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + a / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < EPSILON) return f;
  }
  throw new RangeError(`continued fraction did not converge in ${MAX_TERMS} terms`);
}

/**
 * I_x(a, b) by its continued fraction (DLMF 8.17.22):
 *
 *   I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * 1 / (1 + d1 / (1 + d2 / (1 + ...)))
 *   d(2m+1) = -(a + m)(a + b + m) x / ((a + 2m)(a + 2m + 1))
 *   d(2m)   = m (b - m) x / ((a + 2m - 1)(a + 2m))
 *
 * which converges fast for x < (a + 1) / (a + b + 2); above that the symmetry
 * I_x(a, b) = 1 - I_{1-x}(b, a) is used. `y` is 1 - x, passed in so that a caller who knows it
 * exactly (the t distribution does) loses no digits to the subtraction.
 */
function incompleteBeta(x: number, y: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (y <= 0) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(y, x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(y) - logBeta(a, b)) / a;
  // As b0 + a1/(b1 + ...): b0 = 0, a1 = 1, then a(j+1) = d(j); every b is 1.
  const fraction = continuedFraction(0, (j) => {
    if (j === 1) return [1, 1];
    const n = j - 1;
    const m = Math.floor(n / 2);
    const d =
      n % 2 === 0
        ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m))
        : (-(a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
    return [d, 1];
  });
  return front * fraction;
}

/** The regularized incomplete beta function I_x(a, b), for 0 <= x <= 1 and a, b > 0. */
export function regularizedIncompleteBeta(x: number, a: number, b: number): number {
  if (!(x >= 0 && x <= 1)) throw new RangeError(`x must be in [0, 1], got ${x}`);
  if (!(a > 0 && b > 0)) throw new RangeError(`a and b must be positive, got ${a} and ${b}`);
  return incompleteBeta(x, 1 - x, a, b);
}

function checkDegreesOfFreedom(df: number): void {
  if (!(df > 0 && Number.isFinite(df)))
    throw new RangeError(`degrees of freedom must be positive and finite, got ${df}`);
}

/**
 * P(|T| >= |t|) for Student's t with `df` degrees of freedom: I_{df/(df+t²)}(df/2, 1/2). Computed
 * directly rather than as 1 - CDF so that small p-values keep their digits.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (Number.isNaN(t)) throw new RangeError('t is NaN');
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  return incompleteBeta(df / (df + t2), t2 / (df + t2), df / 2, 0.5);
}

/** The CDF of Student's t distribution with `df` degrees of freedom (df need not be whole). */
export function studentTCdf(t: number, df: number): number {
  const tail = studentTTwoSidedP(t, df) / 2;
  return t >= 0 ? 1 - tail : tail;
}
