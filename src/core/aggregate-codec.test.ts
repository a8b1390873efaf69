import { describe, it, expect } from 'vitest';
import { addSample, newAggregate } from './aggregate.js';
import type { Aggregate } from './aggregate.js';
import { decodeAggregateBatch, encodeAggregateBatch } from './aggregate-codec.js';
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

function wire(aggregates: unknown[], extra: Record<string, unknown> = {}): Buffer {
  return Buffer.from(JSON.stringify({ v: 1, samples: 1, createdAt: 5, a: aggregates, ...extra }));
}

function validWire(): unknown[] {
  return JSON.parse(encodeAggregateBatch({ samples: 2, createdAt: 1, aggregates: [counter()] }).toString())
    .a[0] as unknown[];
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

  it('round-trips an empty batch', () => {
    const back = decodeAggregateBatch(encodeAggregateBatch({ samples: 0, createdAt: 7, aggregates: [] }));
    expect(back).toEqual({ samples: 0, createdAt: 7, aggregates: [] });
  });

  it('decodes from a Uint8Array view inside a larger buffer', () => {
    const bytes = encodeAggregateBatch({ samples: 2, createdAt: 1, aggregates: [counter()] });
    const backing = new Uint8Array(bytes.length + 20);
    backing.fill(0x7b); // '{' around the payload would break JSON if the view were ignored
    backing.set(bytes, 10);
    const back = decodeAggregateBatch(new Uint8Array(backing.buffer, 10, bytes.length));
    expect(back.aggregates.map(plain)).toEqual([plain(counter())]);
  });

  it('rejects bytes that are not JSON', () => {
    expect(() => decodeAggregateBatch(Buffer.from('not json'))).toThrow();
    expect(() => decodeAggregateBatch(Buffer.alloc(0))).toThrow();
  });

  it('rejects JSON that is not a version-1 batch', () => {
    for (const text of [
      'null',
      '42',
      '[]',
      '{}',
      JSON.stringify({ v: 2, samples: 1, createdAt: 1, a: [] }),
      JSON.stringify({ v: 1, samples: '1', createdAt: 1, a: [] }),
      JSON.stringify({ v: 1, samples: 1, a: [] }),
      JSON.stringify({ v: 1, samples: 1, createdAt: 1, a: {} }),
    ]) {
      expect(() => decodeAggregateBatch(Buffer.from(text)), text).toThrow(TypeError);
    }
  });

  it('rejects malformed aggregates', () => {
    const good = validWire();
    expect(() => decodeAggregateBatch(wire(['x']))).toThrow(TypeError);
    expect(() => decodeAggregateBatch(wire([good.slice(0, 11)]))).toThrow(TypeError);
    expect(() => decodeAggregateBatch(wire([[...good, 0]]))).toThrow(TypeError);
    const badType = [...good];
    badType[2] = 'histogram';
    expect(() => decodeAggregateBatch(wire([badType]))).toThrow(TypeError);
  });

  it('rejects a sketch that is not a valid encoding', () => {
    const g = JSON.parse(
      encodeAggregateBatch({ samples: 4, createdAt: 1, aggregates: [gauge()] }).toString(),
    ) as { a: unknown[][] };
    const row = [...(g.a[0] as unknown[])];
    row[11] = Buffer.from('garbage').toString('base64');
    expect(() => decodeAggregateBatch(wire([row]))).toThrow(RangeError);
  });

  // Finite samples can still sum past Number.MAX_VALUE (two values of 1e308 pass the collector's
  // validation); JSON.stringify writes Infinity as null, which decodes as a null sum that the
  // worker's and store's merges then coerce to 0.
  it('round-trips an aggregate whose sum overflowed to Infinity', () => {
    const a = newAggregate('checkout', 'big', 'gauge', '{}', MINUTE);
    addSample(a, 1e308, MINUTE + 1);
    addSample(a, 1e308, MINUTE + 2);
    expect(a.sum).toBe(Number.POSITIVE_INFINITY);
    const back = decodeAggregateBatch(encodeAggregateBatch({ samples: 2, createdAt: 1, aggregates: [a] }));
    expect(back.aggregates[0]?.sum).toBe(Number.POSITIVE_INFINITY);
  });

  // Values in numeric positions must be numbers: a string count concatenates in mergeAggregate,
  // and a null min/max ends up in the store's NOT NULL columns, so the store write fails and the
  // worker retries the message forever instead of skipping it as undecodable.
  it('rejects aggregates whose fields have the wrong types', () => {
    const good = validWire();
    const stringCount = [...good];
    stringCount[5] = '2';
    expect(() => decodeAggregateBatch(wire([stringCount]))).toThrow(TypeError);
    const nullMin = [...good];
    nullMin[7] = null;
    expect(() => decodeAggregateBatch(wire([nullMin]))).toThrow(TypeError);
    const numericService = [...good];
    numericService[0] = 17;
    expect(() => decodeAggregateBatch(wire([numericService]))).toThrow(TypeError);
  });
});
