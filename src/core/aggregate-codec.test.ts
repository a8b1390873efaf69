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
import type { SeriesExemplars } from './exemplar.js';

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
    expect(back).toEqual({ samples: 0, createdAt: 7, aggregates: [], cumulatives: [], exemplars: [] });
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
    // The sketch's own version byte; the empty cumulative and exemplar sections (a u32 count
    // each) follow it.
    broken[bytes.length - 8 - sketch.length] = 99;
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

describe('the exemplar section', () => {
  const trace = (n: number): string => n.toString(16).padStart(32, '0');
  const span = (n: number): string => n.toString(16).padStart(16, '0');
  const groups = (): SeriesExemplars[] => [
    {
      service: 'checkout',
      name: 'latency_ms',
      type: 'gauge',
      tags: '{"region":"eu"}',
      start: MINUTE,
      exemplars: [
        { timestamp: MINUTE + 9, value: 800, traceId: trace(1), spanId: span(1) },
        { timestamp: MINUTE + 5, value: 12.5, traceId: '', spanId: '' },
      ],
    },
    {
      service: 'checkout',
      name: 'requests',
      type: 'counter',
      tags: '{}',
      start: MINUTE - 60_000,
      exemplars: [{ timestamp: MINUTE - 1, value: 1, traceId: trace(2), spanId: span(2) }],
    },
  ];

  it('round-trips exemplars beside aggregates and cumulatives, and earliestStart still reads past them', () => {
    const batch = { samples: 6, createdAt: 1, aggregates: [gauge(), counter()], exemplars: groups() };
    const bytes = encodeAggregateBatch(batch);
    const back = decodeAggregateBatch(bytes);
    expect(back.exemplars).toEqual(groups());
    expect(back.aggregates.map(plain)).toEqual([gauge(), counter()].map(plain));
    expect(earliestStart(bytes)).toBe(MINUTE);
    for (let cut = 0; cut < bytes.length; cut++) {
      expect(() => decodeAggregateBatch(bytes.subarray(0, cut)), `cut at ${cut}`).toThrow(TypeError);
    }
    expect(() => earliestStart(bytes.subarray(0, bytes.length - 1))).toThrow(TypeError);
  });

  it('refuses more exemplars per series-minute than are kept, and ids that are not hex', () => {
    const bytes = encodeAggregateBatch({ samples: 0, createdAt: 1, aggregates: [], exemplars: groups() });
    // The first group's count byte: after the strings, two empty sections' counts, the group count
    // and its refs, type and start.
    const strings = ['checkout', 'latency_ms', '{"region":"eu"}', 'requests', '{}'];
    const countByte =
      3 + 1 + 8 + 8 + 4 + strings.reduce((n, s) => n + 4 + s.length, 0) + 4 + 4 + 4 + 12 + 1 + 8;
    expect(bytes[countByte]).toBe(2);
    const broken = Buffer.from(bytes);
    broken[countByte] = 4;
    expect(() => decodeAggregateBatch(broken)).toThrow(TypeError);
    const bad = groups();
    bad[0]?.exemplars.push({ timestamp: MINUTE, value: 1, traceId: 'not hex', spanId: '' });
    expect(() => encodeAggregateBatch({ samples: 0, createdAt: 1, aggregates: [], exemplars: bad })).toThrow(
      RangeError,
    );
  });

  it('merges the exemplars of several messages, keeping the latest few per series-minute', () => {
    const one = (t: number): SeriesExemplars => ({
      service: 'checkout',
      name: 'latency_ms',
      type: 'gauge',
      tags: '{"region":"eu"}',
      start: MINUTE,
      exemplars: [{ timestamp: MINUTE + t, value: t, traceId: trace(t), spanId: span(t) }],
    });
    const messages = [5, 1, 9, 3, 7].map((t) =>
      encodeAggregateBatch({ samples: 1, createdAt: 1, aggregates: [], exemplars: [one(t)] }),
    );
    const merged = new Map<string, SeriesExemplars>();
    for (const m of messages) foldAggregateBatch(m, new Map(), [], merged);
    expect([...merged.values()]).toHaveLength(1);
    expect([...merged.values()][0]?.exemplars.map((e) => e.value)).toEqual([9, 7, 5]);
  });
});
