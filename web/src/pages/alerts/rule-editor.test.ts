import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { groupYaml, NEW_GROUP } from './RuleEditor';

describe('the rule editor’s text of a group', () => {
  it('writes a group as GET /v1/rules shows it back as the body PUT takes, defaults left out', () => {
    const text = groupYaml({
      name: 'queues',
      interval: '30s',
      source: { kind: 'api' },
      rules: [
        {
          alert: 'Deep',
          kind: 'threshold',
          vql: 'SELECT service_name, last(value) FROM metrics GROUP BY service_name',
          condition: '> 100',
          for: '2m',
          keep_firing_for: '0ms',
          labels: { severity: 'page' },
          annotations: {},
          health: null,
        },
        {
          alert: 'Quiet',
          kind: 'no_data',
          vql: 'SELECT service_name, count(value) FROM metrics GROUP BY service_name',
          no_data: true,
          for: '0s',
          keep_firing_for: '1m',
          labels: {},
          annotations: { summary: '{{ $labels.service_name }} is quiet' },
          health: null,
        },
      ],
    });
    expect(parse(text)).toEqual({
      name: 'queues',
      interval: '30s',
      rules: [
        {
          alert: 'Deep',
          vql: 'SELECT service_name, last(value) FROM metrics GROUP BY service_name',
          condition: '> 100',
          for: '2m',
          labels: { severity: 'page' },
        },
        {
          alert: 'Quiet',
          vql: 'SELECT service_name, count(value) FROM metrics GROUP BY service_name',
          no_data: true,
          keep_firing_for: '1m',
          annotations: { summary: '{{ $labels.service_name }} is quiet' },
        },
      ],
    });
  });

  it('starts a new group from a template that is one group of the file format', () => {
    expect(parse(NEW_GROUP)).toMatchObject({
      name: 'my-group',
      rules: [{ alert: 'LatencyHigh', condition: '> 500' }],
    });
  });
});
