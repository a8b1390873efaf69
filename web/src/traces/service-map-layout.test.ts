import { describe, expect, it } from 'vitest';
import type { ServiceMapCall } from '../api/types';
import { NODE_HEIGHT, NODE_WIDTH, layoutServiceMap } from './service-map-layout';

const call = (parent: string, child: string, calls = 1): ServiceMapCall => ({
  parent,
  child,
  calls,
  errors: 0,
  p95Ms: 1,
});

describe('layoutServiceMap', () => {
  it('puts each service right of its callers, by the longest chain of calls to it', () => {
    const m = layoutServiceMap(
      ['web', 'checkout', 'payments', 'db', 'idle'],
      [call('web', 'checkout'), call('checkout', 'payments'), call('payments', 'db'), call('web', 'db')],
    );
    const col = Object.fromEntries(m.nodes.map((n) => [n.name, n.column]));
    expect(col).toEqual({ web: 0, idle: 0, checkout: 1, payments: 2, db: 3 });
    // web -> db skips two columns: a curve below the services between, not a line through them.
    expect(m.edges.filter((e) => e.long).map((e) => `${e.call.parent}>${e.call.child}`)).toEqual(['web>db']);
    for (const e of m.edges) {
      expect(e.back).toBe(false);
      expect(e.to.x).toBeGreaterThan(e.from.x);
    }
    // Nothing is drawn outside the picture, and no two services overlap.
    for (const n of m.nodes) {
      expect(n.x).toBeGreaterThanOrEqual(0);
      expect(n.y).toBeGreaterThanOrEqual(0);
      expect(n.x + NODE_WIDTH).toBeLessThanOrEqual(m.width);
      expect(n.y + NODE_HEIGHT).toBeLessThanOrEqual(m.height);
    }
    const spots = new Set(m.nodes.map((n) => `${n.x},${n.y}`));
    expect(spots.size).toBe(m.nodes.length);
  });

  it('draws a cycle’s closing call and a self-call apart, and still places every service', () => {
    const m = layoutServiceMap([], [call('a', 'b'), call('b', 'c'), call('c', 'a'), call('b', 'b')]);
    expect(m.nodes.map((n) => n.name).sort()).toEqual(['a', 'b', 'c']);
    const kind = (p: string, c: string) => {
      const e = m.edges.find((x) => x.call.parent === p && x.call.child === c);
      return e?.self ? 'self' : e?.back ? 'back' : 'forward';
    };
    expect([kind('a', 'b'), kind('b', 'c'), kind('c', 'a'), kind('b', 'b')]).toEqual([
      'forward',
      'forward',
      'back',
      'self',
    ]);
  });

  it('orders a column by its callers’ rows, so lines do not cross', () => {
    // a calls z, b calls y: by name y would sit above z and the two lines would cross.
    const m = layoutServiceMap([], [call('a', 'z'), call('b', 'y')]);
    const y = (name: string) => m.nodes.find((n) => n.name === name)?.y as number;
    expect(y('a')).toBeLessThan(y('b'));
    expect(y('z')).toBeLessThan(y('y'));
  });

  it('leaves room for curves only where a call needs one', () => {
    const chain = layoutServiceMap([], [call('a', 'b'), call('b', 'c')]);
    expect(chain.height).toBe(24 * 2 + 44);
    const cycle = layoutServiceMap([], [call('a', 'b'), call('b', 'a')]);
    expect(cycle.height).toBeGreaterThan(chain.height);
    expect(cycle.nodes[0]?.y).toBeGreaterThan(chain.nodes[0]?.y as number);
  });

  it('is empty without services', () => {
    expect(layoutServiceMap([], []).nodes).toEqual([]);
  });
});
