import { describe, expect, it } from 'vitest';
import { SubscriptionIndex } from './subscription-index.js';
import type { SubscriptionFilter } from './subscription-index.js';

interface Named extends SubscriptionFilter {
  readonly name: string;
}

const sub = (name: string, filter: Partial<SubscriptionFilter> = {}): Named => ({
  name,
  service: filter.service,
  metric: filter.metric,
  tags: filter.tags ?? [],
});

function matches(
  index: SubscriptionIndex<Named>,
  service: string,
  metric: string,
  tags: Record<string, string> = {},
): string[] {
  const found: string[] = [];
  index.forEachMatch(
    service,
    metric,
    () => tags,
    (s) => found.push(s.name),
  );
  return found.sort();
}

describe('SubscriptionIndex', () => {
  it('matches on service, metric and tag equality, each optional', () => {
    const index = new SubscriptionIndex<Named>();
    index.add(sub('all'));
    index.add(sub('checkout', { service: 'checkout' }));
    index.add(sub('latency', { metric: 'latency_ms' }));
    index.add(sub('checkout-latency', { service: 'checkout', metric: 'latency_ms' }));
    index.add(sub('pay', { service: 'checkout', metric: 'latency_ms', tags: [['route', '/pay']] }));
    index.add(
      sub('pay-eu', {
        service: 'checkout',
        tags: [
          ['route', '/pay'],
          ['region', 'eu'],
        ],
      }),
    );

    expect(matches(index, 'checkout', 'latency_ms', { route: '/pay', region: 'eu' })).toEqual([
      'all',
      'checkout',
      'checkout-latency',
      'latency',
      'pay',
      'pay-eu',
    ]);
    expect(matches(index, 'checkout', 'latency_ms', { route: '/cart' })).toEqual([
      'all',
      'checkout',
      'checkout-latency',
      'latency',
    ]);
    expect(matches(index, 'search', 'latency_ms', { route: '/pay' })).toEqual(['all', 'latency']);
    expect(matches(index, 'search', 'qps')).toEqual(['all']);
    expect(index.size).toBe(6);
  });

  it('does not take inherited properties for tags', () => {
    const index = new SubscriptionIndex<Named>();
    index.add(sub('proto', { tags: [['constructor', 'x']] }));
    expect(matches(index, 's', 'm', {})).toEqual([]);
    expect(matches(index, 's', 'm', { constructor: 'x' })).toEqual(['proto']);
  });

  it('reads the tags only when a subscription filters on them, at most once', () => {
    const index = new SubscriptionIndex<Named>();
    let reads = 0;
    const tagsOf = () => {
      reads++;
      return { route: '/pay' };
    };
    index.add(sub('plain', { service: 'checkout' }));
    index.forEachMatch('checkout', 'm', tagsOf, () => undefined);
    expect(reads).toBe(0);
    index.add(sub('a', { service: 'checkout', tags: [['route', '/pay']] }));
    index.add(sub('b', { tags: [['route', '/pay']] }));
    index.forEachMatch('checkout', 'm', tagsOf, () => undefined);
    expect(reads).toBe(1);
  });

  it('forgets removed subscriptions, and removing twice changes nothing', () => {
    const index = new SubscriptionIndex<Named>();
    const a = sub('a', { service: 'checkout', metric: 'm' });
    const b = sub('b', { service: 'checkout', metric: 'm' });
    index.add(a);
    index.add(b);
    index.add(a);
    expect(index.size).toBe(2);
    index.remove(a);
    index.remove(a);
    expect(index.size).toBe(1);
    expect(matches(index, 'checkout', 'm')).toEqual(['b']);
    index.remove(b);
    expect(index.size).toBe(0);
    expect(matches(index, 'checkout', 'm')).toEqual([]);
  });

  it('does not confuse a service with a metric of the same name', () => {
    const index = new SubscriptionIndex<Named>();
    index.add(sub('service-x', { service: 'x' }));
    index.add(sub('metric-x', { metric: 'x' }));
    expect(matches(index, 'x', 'y')).toEqual(['service-x']);
    expect(matches(index, 'y', 'x')).toEqual(['metric-x']);
  });
});
