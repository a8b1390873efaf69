import { describe, expect, it } from 'vitest';
import { formatProblem, parseRulesFile } from './rules-file.js';

const NOW = Date.UTC(2026, 0, 1);
const GOOD = `groups:
  - name: checkout
    interval: 30s
    rules:
      - alert: CheckoutLatencyHigh
        vql: >-
          SELECT service_name, p99(value) FROM metrics
          WHERE metric_name = 'http_request_duration_ms' AND timestamp > now() - 5m
          GROUP BY service_name
        condition: '> 500'
        for: 2m
        keep_firing_for: 1m
        labels: { severity: critical }
        annotations: { summary: 'p99 {{ $value }} ms on {{ $labels.service_name }}' }
      - alert: CheckoutSilent
        no_data: true
        vql: SELECT service_name, count(value) FROM metrics WHERE timestamp > now() - 5m GROUP BY service_name
notifiers:
  - name: ops
    type: webhook
    url: https://hooks.example.com/vantage
`;

function problems(text: string) {
  const result = parseRulesFile('rules.yml', text, NOW);
  if (result.ok) throw new Error('expected the file to be refused');
  return result.problems;
}

describe('parseRulesFile', () => {
  it('builds groups, both rule kinds and the notifiers section', () => {
    const result = parseRulesFile('rules.yml', GOOD, NOW);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join('\n'));
    const [group] = result.document.groups;
    expect(group?.name).toBe('checkout');
    expect(group?.intervalMs).toBe(30_000);
    expect(group?.source).toEqual({ kind: 'file', file: 'rules.yml' });
    expect(group?.rules[0]).toMatchObject({
      kind: 'threshold',
      alert: 'CheckoutLatencyHigh',
      condition: { op: '>', threshold: 500 },
      forMs: 120_000,
      keepFiringForMs: 60_000,
      labels: { severity: 'critical' },
    });
    expect(group?.rules[1]).toMatchObject({ kind: 'no_data', alert: 'CheckoutSilent', forMs: 0 });
    expect(result.document.notifiers).toEqual([
      { name: 'ops', type: 'webhook', url: 'https://hooks.example.com/vantage' },
    ]);
  });

  it('refuses a notifier named twice, at the second name, and gives each name its line', () => {
    const twice = `${GOOD}  - name: ops\n    type: webhook\n    url: https://other.example.com/\n`;
    expect(problems(twice).map(formatProblem)).toEqual([
      'rules.yml:22: notifiers[1].name: notifier ops is named twice',
    ]);
    const result = parseRulesFile('rules.yml', GOOD, NOW);
    expect(result.ok && result.notifierLines).toEqual([19]);
  });

  it('names the line and field of a VQL error, with the position inside the query', () => {
    const bad = GOOD.replace("metric_name = 'http_request_duration_ms'", 'metric_name = = 3');
    const [p, ...rest] = problems(bad);
    expect(rest).toEqual([]);
    // The query's second source line (line 8), though `>-` folds the query into one line.
    expect(p).toMatchObject({ file: 'rules.yml', line: 8, field: 'groups[0].rules[0].vql' });
    expect(p?.reason).toMatch(/^VTG_VQL_SYNTAX_ERROR at 1:\d+ of the query/);
  });

  it('names the line of a bad condition, a bad template and a missing condition', () => {
    const bad = GOOD.replace("'> 500'", "'above 500'")
      .replace('{{ $value }}', '{{ .Value }}')
      .replace('        no_data: true\n', '');
    const found = problems(bad).map((p) => [p.line, p.field]);
    expect(found).toEqual(
      expect.arrayContaining([
        [10, 'groups[0].rules[0].condition'],
        [14, 'groups[0].rules[0].annotations.summary'],
        // A missing field is reported where its rule starts.
        [15, 'groups[0].rules[1].condition'],
      ]),
    );
  });

  it('refuses unknown fields, bad durations and a group by time, each at its line', () => {
    const bad = GOOD.replace('for: 2m', 'for: two minutes').replace(
      'interval: 30s',
      'interval: 30s\n    color: red',
    );
    const found = problems(bad).map((p) => `${p.line} ${p.field}`);
    expect(found).toContain('2 groups[0]');
    const timed = problems(
      GOOD.replace('GROUP BY service_name\n', 'GROUP BY service_name, time_bucket(1m)\n'),
    );
    expect(timed[0]?.reason).toMatch(/time_bucket/);
  });

  it('reports YAML syntax errors at their line and refuses duplicate keys', () => {
    expect(problems('groups:\n  - name: a\n   rules: [\n')[0]?.line).toBeGreaterThanOrEqual(2);
    expect(problems('groups: []\ngroups: []\n')[0]).toMatchObject({ line: 2 });
  });

  it('checks notifiers with the notification schema', () => {
    const [p] = problems(GOOD.replace('type: webhook', 'type: pager'));
    expect(p?.field).toBe('notifiers[0].type');
    expect(p?.line).toBe(20);
  });
});
