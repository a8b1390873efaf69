/**
 * What a metric may look like on the wire: the collector's schema enforces these, clients (the
 * agent, the SDK) check them before sending.
 */
export const METRIC_LIMITS = {
  servicePattern: /^[A-Za-z0-9_.:/-]+$/,
  serviceMaxLength: 128,
  namePattern: /^[A-Za-z_][A-Za-z0-9_.:]*$/,
  nameMaxLength: 256,
  /** Default of --max-tags. */
  maxTags: 32,
  tagKeyPattern: /^[A-Za-z_][A-Za-z0-9_.-]*$/,
  tagKeyMaxLength: 128,
  tagValueMaxLength: 256,
  /**
   * The largest magnitude a value may have. Every aggregate Vantage keeps is a sum of at most
   * 2^53 samples (a count beyond that is not even exact in a double), so with |value| <= 1e291
   * any such sum stays below 2^53 * 1e291 * e ~ 2.4e307 < Number.MAX_VALUE, however it is added
   * up: in any order, in SIMD lanes (ClickHouse), in background merges, with rounding growth
   * included (the e). No sum of accepted samples can become ±Infinity, nor NaN from Infinity -
   * Infinity, in any tier, rollup or query: the arithmetic is closed. Real measurements stay far
   * below it (the largest physical quantities are about 1e80).
   */
  valueMaxMagnitude: 1e291,
} as const;
