import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SPAN_BATCH_VERSION, decodeSpanBatch, encodeSpanBatch } from './span-batch.js';
import { SPAN_KINDS } from './span.js';
import type { Span, SpanAttributes } from './span.js';

const span = (over: Partial<Span> = {}): Span => ({
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  parentSpanId: '',
  service: 'checkout',
  name: 'GET /cart',
  kind: 'server',
  startUnixNano: '1765000000000000000',
  endUnixNano: '1765000000012500000',
  status: 'error',
  statusMessage: 'timeout',
  attributes: { 'http.status_code': 504, 'user.id': 'ü-42', cached: false, ratio: -0.25 },
  events: [{ timeUnixNano: '1765000000010000000', name: 'retry', attributes: { attempt: 2 } }],
  links: [{ traceId: 'ff'.repeat(16), spanId: 'ee'.repeat(8), attributes: {} }],
  ...over,
});

/** A batch as version 1 wrote it (the JSON layout logs and topics may still hold). */
const v1Batch = (spans: readonly Span[]): Buffer =>
  Buffer.concat([Buffer.from([1]), Buffer.from(JSON.stringify(spans))]);

const text = fc.string({ unit: 'binary', maxLength: 12 });
const attributes: fc.Arbitrary<SpanAttributes> = fc.dictionary(
  text,
  fc.oneof(text, fc.double(), fc.integer(), fc.boolean()),
  { maxKeys: 6 },
);
const arbitrarySpan: fc.Arbitrary<Span> = fc.record({
  traceId: text,
  spanId: text,
  parentSpanId: text,
  service: text,
  name: text,
  kind: fc.constantFrom(...SPAN_KINDS),
  startUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  endUnixNano: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map(String),
  status: fc.constantFrom('unset' as const, 'ok' as const, 'error' as const),
  statusMessage: text,
  attributes,
  events: fc.array(fc.record({ timeUnixNano: text, name: text, attributes }), { maxLength: 3 }),
  links: fc.array(fc.record({ traceId: text, spanId: text, attributes }), { maxLength: 3 }),
});

/** What the store gets of a string: a lone surrogate as U+FFFD (it has no UTF-8). */
const wellFormed = (s: string): string => (s as unknown as { toWellFormed(): string }).toWellFormed();
function expected(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(expected);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value))
      Object.defineProperty(out, wellFormed(k), { value: expected(v), enumerable: true, writable: true });
    return out;
  }
  return value;
}

describe('span batch', () => {
  it('writes the binary version and reads it back', () => {
    const spans = [
      span(),
      span({ spanId: '00f067aa0ba902b7', parentSpanId: 'b7ad6b7169203331', kind: 'client' }),
    ];
    const payload = encodeSpanBatch(spans);
    expect(payload[0]).toBe(SPAN_BATCH_VERSION);
    expect(SPAN_BATCH_VERSION).toBe(2);
    expect(decodeSpanBatch(payload)).toEqual(spans);
    expect(payload.length).toBeLessThan(v1Batch(spans).length);
  });

  it('still reads a version 1 (JSON) batch already in a log or topic', () => {
    const spans = [span(), span({ status: 'unset', statusMessage: '', events: [], links: [] })];
    expect(decodeSpanBatch(v1Batch(spans))).toEqual(spans);
  });

  it('reads back any batch it writes, strings as the store keeps them', () => {
    fc.assert(
      fc.property(fc.array(arbitrarySpan, { maxLength: 8 }), (spans) => {
        expect(decodeSpanBatch(encodeSpanBatch(spans))).toEqual(expected(spans));
      }),
      { numRuns: 300 },
    );
  });

  it('makes a lone surrogate U+FFFD even where the next string would complete its pair', () => {
    const [decoded] = decodeSpanBatch(encodeSpanBatch([span({ service: 'a\uD83D', name: '\uDE00b' })]));
    expect(decoded?.service).toBe('a\uFFFD');
    expect(decoded?.name).toBe('\uFFFDb');
  });

  it('keeps __proto__ as an attribute, as JSON.parse does', () => {
    const attributes = JSON.parse('{"__proto__":"x","a":1}') as SpanAttributes;
    const [decoded] = decodeSpanBatch(encodeSpanBatch([span({ attributes })]));
    expect(Object.keys(decoded?.attributes ?? {})).toEqual(['__proto__', 'a']);
    expect(Object.getPrototypeOf(decoded?.attributes)).toBe(Object.prototype);
  });

  it('refuses an unknown version, a truncated batch and trailing bytes', () => {
    const payload = encodeSpanBatch([span()]);
    expect(() => decodeSpanBatch(Buffer.from([3, 0]))).toThrow(/unknown span batch version 3/);
    expect(() => decodeSpanBatch(payload.subarray(0, payload.length - 1))).toThrow(/truncated/);
    expect(() => decodeSpanBatch(Buffer.concat([payload, Buffer.from([0])]))).toThrow(/left over/);
  });

  it('refuses a span whose kind or status it has no code for', () => {
    const bad = { ...span(), kind: 'sideways' } as unknown as Span;
    expect(() => encodeSpanBatch([bad])).toThrow(/kind sideways/);
  });
});
