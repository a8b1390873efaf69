import { describe, expect, it } from 'vitest';
import { compileMatchers } from './matchers.js';
import type { Matcher } from './matchers.js';

const labels = { alertname: 'HighLatency', service: 'checkout', env: 'prod' };

describe('label matchers', () => {
  it.each<[Matcher, boolean]>([
    [{ name: 'service', op: '=', value: 'checkout' }, true],
    [{ name: 'service', op: '=', value: 'check' }, false],
    [{ name: 'service', op: '!=', value: 'search' }, true],
    [{ name: 'service', op: '=~', value: 'check.*' }, true],
    // Anchored at both ends, as in Alertmanager.
    [{ name: 'service', op: '=~', value: 'check' }, false],
    [{ name: 'service', op: '!~', value: 'search|cart' }, true],
    // An absent label reads as "".
    [{ name: 'team', op: '=', value: '' }, true],
    [{ name: 'team', op: '!~', value: 'payments' }, true],
    [{ name: 'team', op: '=~', value: '.+' }, false],
  ])('%j on a checkout alert: %s', (matcher, expected) => {
    expect(compileMatchers([matcher])(labels)).toBe(expected);
  });

  it('need every matcher to hold', () => {
    const both = compileMatchers([
      { name: 'service', op: '=', value: 'checkout' },
      { name: 'env', op: '!=', value: 'prod' },
    ]);
    expect(both(labels)).toBe(false);
    expect(both({ ...labels, env: 'staging' })).toBe(true);
  });
});
