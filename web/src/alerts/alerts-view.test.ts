import { describe, expect, it } from 'vitest';
import type { AlertHistoryEntry, RulePreviewResponse } from '../api/types';
import {
  formatMatchers,
  historyQuery,
  matchersOfLabels,
  parseMatchers,
  previewSummary,
  serviceAlertMarkers,
  viewFromParams,
  viewToParams,
} from './alerts-view';

describe('the Alerts view in the URL', () => {
  it('reads the tab and the history filters, falling back on defaults for unknown values', () => {
    expect(viewFromParams(new URLSearchParams('tab=history&rule=Slow&state=firing'))).toEqual({
      tab: 'history',
      rule: 'Slow',
      state: 'firing',
      group: '',
    });
    expect(viewFromParams(new URLSearchParams('tab=bogus&state=burning'))).toEqual({
      tab: 'now',
      rule: '',
      state: '',
      group: '',
    });
  });

  it('writes only what differs from the defaults, and round-trips', () => {
    expect(viewToParams({ tab: 'now', rule: '', state: '' })).toEqual({
      tab: undefined,
      rule: undefined,
      state: undefined,
    });
    const view = { tab: 'rules', rule: 'A', state: 'resolved', group: 'checkout' } as const;
    const params = new URLSearchParams(viewToParams(view) as Record<string, string>);
    expect(viewFromParams(params)).toEqual(view);
  });

  it('asks the history API with the range and the filters set', () => {
    const view = viewFromParams(new URLSearchParams('tab=history&state=resolved'));
    expect(historyQuery(view, { from: '-6h', to: 'now' })).toEqual({
      from: '-6h',
      to: 'now',
      state: 'resolved',
      limit: 1000,
    });
  });
});

describe('silence matchers as typed', () => {
  it('reads the four operators, quoted or bare values, separated by commas or spaces', () => {
    expect(parseMatchers('service="check out", severity=~"crit.*" env!=dev region!~eu-.*')).toEqual({
      matchers: [
        { name: 'service', op: '=', value: 'check out' },
        { name: 'severity', op: '=~', value: 'crit.*' },
        { name: 'env', op: '!=', value: 'dev' },
        { name: 'region', op: '!~', value: 'eu-.*' },
      ],
      problems: [],
    });
  });

  it('reports what is not a matcher, and an empty form', () => {
    expect(parseMatchers('service="a", oops').problems).toEqual([
      '"oops" is not a matcher such as service="checkout"',
    ]);
    expect(parseMatchers('   ').problems).toEqual(['at least one matcher']);
  });

  it('formats matchers so that they read back the same, escapes included', () => {
    const matchers = [
      { name: 'a', op: '=', value: 'say "hi", then go' },
      { name: 'b', op: '=~', value: 'x|y' },
    ] as const;
    expect(parseMatchers(formatMatchers([...matchers])).matchers).toEqual(matchers);
    expect(matchersOfLabels({ service: 'checkout', alertname: 'Slow' })).toEqual([
      { name: 'service', op: '=', value: 'checkout' },
      { name: 'alertname', op: '=', value: 'Slow' },
    ]);
  });
});

describe('the rule preview summary', () => {
  const row = (meets: boolean) => ({ labels: {}, value: 1, meets });
  it('says for how many of the groups each rule would fire now', () => {
    const answer: RulePreviewResponse = {
      valid: true,
      problems: [],
      rules: [
        { alert: 'Slow', kind: 'threshold', rows: [row(true), row(true), row(false)], meeting: 2 },
        { alert: 'Calm', kind: 'threshold', rows: [row(false)], meeting: 0 },
        { alert: 'Empty', kind: 'threshold', rows: [], meeting: 0 },
        { alert: 'Quiet', kind: 'no_data', rows: [row(false), row(true)], meeting: 1 },
        {
          alert: 'Broken',
          kind: 'threshold',
          rows: [],
          meeting: 0,
          error: { code: 'VTG_X', message: 'down' },
        },
      ],
    };
    expect(previewSummary(answer)).toEqual([
      { alert: 'Slow', text: 'would fire now for 2 of 3 groups' },
      { alert: 'Calm', text: 'would not fire now (0 of 1 group)' },
      { alert: 'Empty', text: 'the query returns no groups now' },
      { alert: 'Quiet', text: 'would fire now for 1 silent of 2 groups' },
      { alert: 'Broken', text: 'could not run: VTG_X down' },
    ]);
  });

  it('counts the problems of a text that is not valid', () => {
    const answer: RulePreviewResponse = {
      valid: false,
      problems: [
        { line: 3, field: 'rules[0].condition', reason: 'bad' },
        { field: 'name', reason: 'missing' },
      ],
      rules: [],
    };
    expect(previewSummary(answer)).toEqual([{ alert: '', text: 'Not valid: 2 problems' }]);
  });
});

describe('alert markers on a service chart', () => {
  const entry = (at: number, state: AlertHistoryEntry['state'], labels: Record<string, string>) => ({
    at,
    state,
    rule: 'Slow',
    group: 'g',
    fingerprint: String(at),
    labels,
    annotations: {},
    value: 900,
  });
  it('keeps the firing and resolved changes of the service’s alerts, oldest first', () => {
    const markers = serviceAlertMarkers(
      [
        entry(30, 'resolved', { service_name: 'checkout' }),
        entry(20, 'firing', { service: 'checkout' }),
        entry(10, 'pending', { service_name: 'checkout' }),
        entry(15, 'firing', { service_name: 'cart' }),
        entry(16, 'firing', {}),
      ],
      'checkout',
    );
    expect(markers).toEqual([
      { time: 20, state: 'firing', title: 'Slow firing at 900' },
      { time: 30, state: 'resolved', title: 'Slow resolved at 900' },
    ]);
  });
});
