import { describe, expect, it } from 'vitest';
import { LruQueryCache } from './lru-query-cache.js';

/** A clock the test moves by hand. */
function fakeClock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

describe('LruQueryCache', () => {
  it('serves an answer until its time to live has passed, then forgets it', async () => {
    const clock = fakeClock();
    const cache = new LruQueryCache({ maxBytes: 1_000_000, clock: clock.now });
    await cache.set('short', '{"a":1}', 5_000);
    await cache.set('long', '{"b":2}', 60_000);
    clock.advance(4_999);
    expect(await cache.get('short')).toBe('{"a":1}');
    clock.advance(2);
    expect(await cache.get('short')).toBeUndefined();
    expect(await cache.get('long')).toBe('{"b":2}');
    clock.advance(60_000);
    expect(await cache.get('long')).toBeUndefined();
  });

  it('keeps nothing for a time to live of 0', async () => {
    const cache = new LruQueryCache({ maxBytes: 1_000_000 });
    await cache.set('k', '[]', 0);
    expect(await cache.get('k')).toBeUndefined();
    expect(cache.usage()).toEqual({ entries: 0, bytes: 0 });
  });

  it('counts two bytes per character of key and text, and stays within its bound', async () => {
    let evictions = 0;
    // Each entry: key 'kN' (2) + 98 characters = 100 characters = 200 bytes; room for 5.
    const cache = new LruQueryCache({ maxBytes: 1_000, onEvict: () => evictions++ });
    const text = 'x'.repeat(98);
    for (let i = 0; i < 5; i++) await cache.set(`k${i}`, text, 60_000);
    expect(cache.usage()).toEqual({ entries: 5, bytes: 1_000 });
    expect(evictions).toBe(0);

    // Reading k0 makes k1 the least recently used: it is the one pushed out.
    expect(await cache.get('k0')).toBe(text);
    await cache.set('k5', text, 60_000);
    expect(evictions).toBe(1);
    expect(await cache.get('k1')).toBeUndefined();
    expect(await cache.get('k0')).toBe(text);
    expect(cache.usage().bytes).toBeLessThanOrEqual(1_000);
  });

  it('does not let one answer take more than a quarter of the cache', async () => {
    let evictions = 0;
    const cache = new LruQueryCache({ maxBytes: 1_000, onEvict: () => evictions++ });
    await cache.set('small', 'x'.repeat(100), 60_000);
    await cache.set('huge', 'y'.repeat(300), 60_000); // 2 * 304 = 608 bytes > 250
    expect(await cache.get('huge')).toBeUndefined();
    expect(await cache.get('small')).toBe('x'.repeat(100));
    expect(evictions).toBe(0);
  });

  it('refuses a bound of 0 bytes (the API turns the cache off instead)', () => {
    expect(() => new LruQueryCache({ maxBytes: 0 })).toThrow(RangeError);
  });
});
