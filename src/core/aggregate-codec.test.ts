import { describe, it, expect } from 'vitest';
import { addSample, aggregateKey, mergeAggregate, newAggregate } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import {
  decodeAggregateBatch,
  earliestStart,
  encodeAggregateBatch,
  foldAggregateBatch,
} from './aggregate-codec.js';
import type { AggregateBatch } from './aggregate-codec.js';

const MINUTE = 1_700_000_040_000;

function gauge(): Aggregate {
  const a = newAggregate('checkout', 'latency_ms', 'gauge', '{"region":"eu"}', MINUTE);
  for (const [v, t] of [
    [12.5, MINUTE + 5],
    [-3, MINUTE + 9],
    [0, MINUTE + 9],
    [800, MINUTE + 2],
  ] as const)
    addSample(a, v, t);
  return a;
}

function counter(): Aggregate {
  const a = newAggregate('checkout', 'requests', 'counter', '{}', MINUTE);
  addSample(a, 4, MINUTE + 1);
  addSample(a, 6, MINUTE + 2);
  return a;
}

function plain(a: Aggregate): Record<string, unknown> {
  return { ...a, sketch: a.sketch ? a.sketch.encode().toString('hex') : null };
}

/** Offsets inside an encoded batch of one counter aggregate with the strings given. */
function layout(strings: string[]): { typeByte: number; sketchByte: number; serviceRef: number } {
  const header = 3 + 1 + 8 + 8 + 4 + strings.reduce((n, s) => n + 4 + Buffer.byteLength(s), 0) + 4;
  return { serviceRef: header, typeByte: header + 12, sketchByte: header + 13 };
}

describe('aggregate batch codec', () => {
  it('round-trips gauges with sketches and counters without', () => {
    const batch: AggregateBatch = {
      samples: 6,
      createdAt: MINUTE + 30_000,
      aggregates: [gauge(), counter()],
    };
    const back = decodeAggregateBatch(encodeAggregateBatch(batch));
    expect(back.samples).toBe(6);
    expect(back.createdAt).toBe(MINUTE + 30_000);
    expect(back.aggregates.map(plain)).toEqual(batch.aggregates.map(plain));
    expect(back.aggregates[1]?.sketch).toBeNull();
    expect(back.aggregates[0]?.sketch?.count).toBe(4);
  });

  it('round-trips single-sample gauges, whose sketch the wire leaves implicit', () => {
    const singles = [-3.5, 0, 1e-12, 42, 1e15].map((v, i) => {
      const a = newAggregate('checkout', `single_${i}`, 'gauge', '{}', MINUTE);
      addSample(a, v, MINUTE + i);
      return a;
    });
    const bytes = encodeAggregateBatch({ samples: 5, createdAt: 1, aggregates: singles });
    const back = decodeAggregateBatch(bytes);
    expect(back.aggregates.map(plain)).toEqual(singles.map(plain));
    for (const a of back.aggregates) expect(a.sketch?.count).toBe(1);
  });

  it('reads the earliest minute of a batch without decoding it, past strings and sketches', () => {
    const earlier = newAggregate('billing', 'latency_ms', 'gauge', '{"region":"us"}', MINUTE - 120_000);
    for (const v of [1, 2, 3]) addSample(earlier, v, MINUTE - 119_000);
    const aggregates = [gauge(), earlier, counter()];
    const payload = encodeAggregateBatch({ samples: 9, createdAt: MINUTE, aggregates });
    expect(earliestStart(payload)).toBe(MINUTE - 120_000);
    expect(earliestStart(encodeAggregateBatch({ samples: 0, createdAt: MINUTE, aggregates: [] }))).toBe(
      undefined,
    );
    expect(() => earliestStart(payload.subarray(0, payload.length - 3))).toThrow(TypeError);
  });

  it('round-trips an empty batch', () => {
    const back = decodeAggregateBatch(encodeAggregateBatch({ samples: 0, createdAt: 7, aggregates: [] }));
    expect(back).toEqual({ samples: 0, createdAt: 7, aggregates: [], cumulatives: [] });
  });

  it('decodes from a Uint8Array view inside a larger buffer', () => {
    const bytes = encodeAggregateBatch({ samples: 2, createdAt: 1, aggregates: [counter()] });
    const backing = new Uint8Array(bytes.length + 20);
    backing.fill(0x7b); // '{' around the payload would break JSON if the view were ignored
    backing.set(bytes, 10);
    const back = decodeAggregateBatch(new Uint8Array(backing.buffer, 10, bytes.length));
    expect(back.aggregates.map(plain)).toEqual([plain(counter())]);
  });

  it('rejects bytes that are not an aggregate batch', () => {
    expect(() => decodeAggregateBatch(Buffer.from('not a batch at all, just text'))).toThrow(TypeError);
    expect(() => decodeAggregateBatch(Buffer.alloc(0))).toThrow(TypeError);
    const wrongVersion = encodeAggregateBatch({ samples: 0, createdAt: 1, aggregates: [] });
    wrongVersion[3] = 99;
    expect(() => decodeAggregateBatch(wrongVersion)).toThrow(TypeError);
  });

  it('rejects truncated batches and trailing bytes, at every cut', () => {
    const bytes = encodeAggregateBatch({ samples: 6, createdAt: 1, aggregates: [gauge(), counter()] });
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decodeAggregateBatch(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(TypeError);
    }
    expect(() => decodeAggregateBatch(Buffer.concat([bytes, Buffer.from([0])]))).toThrow(TypeError);
  });

  it('rejects malformed aggregates: unknown type, a sketch on a counter, a bad string reference', () => {
    const strings = ['checkout', 'requests', '{}'];
    const at = layout(strings);
    const good = encodeAggregateBatch({ samples: 2, createdAt: 1, aggregates: [counter()] });
    expect(decodeAggregateBatch(good).aggregates).toHaveLength(1);
    const badType = Buffer.from(good);
    badType[at.typeByte] = 7;
    expect(() => decodeAggregateBatch(badType)).toThrow(TypeError);
    const sketchOnCounter = Buffer.from(good);
    sketchOnCounter[at.sketchByte] = 1;
    expect(() => decodeAggregateBatch(sketchOnCounter)).toThrow(TypeError);
    const badRef = Buffer.from(good);
    badRef.writeUInt32LE(99, at.serviceRef);
    expect(() => decodeAggregateBatch(badRef)).toThrow(TypeError);
  });

  it('rejects a sketch that is not a valid encoding', () => {
    const bytes = encodeAggregateBatch({ samples: 4, createdAt: 1, aggregates: [gauge()] });
    const sketch = gauge().sketch?.encode() as Buffer;
    const broken = Buffer.from(bytes);
    // The sketch's own version byte; the empty cumulative section (its u32 count) follows it.
    broken[bytes.length - 4 - sketch.length] = 99;
    expect(() => decodeAggregateBatch(broken)).toThrow(TypeError);
  });

  // Finite samples can still sum past Number.MAX_VALUE (two values of 1e308 pass the collector's
  // validation); the sum must arrive as Infinity, not as null or 0.
  it('round-trips an aggregate whose sum overflowed to Infinity', () => {
    const a = newAggregate('checkout', 'big', 'gauge', '{}', MINUTE);
    addSample(a, 1e308, MINUTE + 1);
    addSample(a, 1e308, MINUTE + 2);
    expect(a.sum).toBe(Number.POSITIVE_INFINITY);
    const back = decodeAggregateBatch(encodeAggregateBatch({ samples: 2, createdAt: 1, aggregates: [a] }));
    expect(back.aggregates[0]?.sum).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('foldAggregateBatch', () => {
  it('merges batches into a map exactly as decoding and merging them would', () => {
    const batches = [0, 1, 2].map((k) => {
      const single = newAggregate('checkout', 'latency_ms', 'gauge', '{"region":"eu"}', MINUTE);
      addSample(single, 10 + k, MINUTE + k);
      return encodeAggregateBatch({
        samples: 6,
        createdAt: 100 + k,
        aggregates: [gauge(), counter(), single],
      });
    });
    const folded = new Map<string, Aggregate>();
    const headers = batches.map((b) => foldAggregateBatch(b, folded));
    expect(headers).toEqual([0, 1, 2].map((k) => ({ samples: 6, createdAt: 100 + k })));
    const expected = new Map<string, Aggregate>();
    for (const b of batches) {
      for (const a of decodeAggregateBatch(b).aggregates) {
        const key = aggregateKey(a);
        const existing = expected.get(key);
        if (existing) mergeAggregate(existing, a);
        else expected.set(key, a);
      }
    }
    expect([...folded.values()].map(plain)).toEqual([...expected.values()].map(plain));
    expect(folded.size).toBe(2);
    expect([...folded.values()].find((a) => a.type === 'gauge')?.count).toBe(15);
  });
});
