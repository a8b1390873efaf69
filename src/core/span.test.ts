import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { spanDurationMs, spanStartMs } from './span.js';
import type { Span } from './span.js';
import { makeTrace } from '../../test/support/trace-fixtures.js';

const ROOT = makeTrace({ traceIndex: 0, startMs: 0, spans: 2 })[0] as Span;
const at = (startUnixNano: string, endUnixNano: string): Span => ({ ...ROOT, startUnixNano, endUnixNano });

describe('span times', () => {
  it('reads milliseconds from nanosecond strings as BigInt arithmetic does', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 2n ** 53n }),
        fc.bigInt({ min: -1000n, max: 2n ** 53n - 1n }),
        (start, duration) => {
          const end = start + duration < 0n ? 0n : start + duration;
          const span = at(start.toString(), end.toString());
          expect(spanStartMs(span)).toBe(Number(start / 1_000_000n));
          const ns = end - start;
          expect(spanDurationMs(span)).toBe(ns <= 0n ? 0 : Number(ns) / 1e6);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('handles times shorter than a millisecond', () => {
    expect(spanStartMs(at('999999', '1000000'))).toBe(0);
    expect(spanDurationMs(at('999999', '1000000'))).toBe(0.000001);
    expect(spanDurationMs(at('5', '5'))).toBe(0);
  });
});
