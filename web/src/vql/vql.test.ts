import { describe, expect, it } from 'vitest';
import type { VqlError } from '../../../src/query/index';
import { prepareVql, tokenize } from '../../../src/query/index';
import { VQL_EXAMPLES } from '../../../test/support/vql-examples';
import { LATENCY_VQL, RATES_VQL } from '../pages/overview/golden-signals';
import { EXAMPLES } from './examples';
import { highlight, offsetOf } from './highlight';
import { metricVql } from './queries';

/** The dashboard's VQL against the server's own front end (parser, validator, planner). */

const NOW = Date.UTC(2026, 10, 27, 12, 0, 0);
const accepted = (vql: string): void => {
  expect(() => prepareVql(vql, { now: NOW })).not.toThrow();
};

describe('the highlighter follows the server tokenizer', () => {
  const queries = [...VQL_EXAMPLES.map((e) => e.vql), ...EXAMPLES.map((e) => e.vql)];

  it.each(queries)('splits %s into the same tokens', (vql) => {
    const pieces = highlight(vql);
    expect(pieces.map((p) => p.text).join('')).toBe(vql);
    const words = pieces.filter((p) => p.kind !== 'space');
    const tokens = tokenize(vql).filter((t) => t.kind !== 'eof');
    expect(words.map((p) => [p.text, p.start])).toEqual(tokens.map((t) => [t.text, t.pos.offset]));
    const kinds = new Map(tokens.map((t) => [t.pos.offset, t.kind]));
    for (const p of words) {
      const server = kinds.get(p.start);
      if (p.kind === 'number' || p.kind === 'duration' || p.kind === 'string' || p.kind === 'punct') {
        expect(p.kind).toBe(server);
      } else {
        expect(server).toBe('ident');
      }
    }
  });

  it('names keywords, functions and columns', () => {
    const kinds = Object.fromEntries(
      highlight("select avg(value) from metrics where tags.route = 'x' and timestamp > now() - 5m")
        .filter((p) => p.kind !== 'space')
        .map((p) => [p.text, p.kind]),
    );
    expect(kinds).toMatchObject({
      select: 'keyword',
      avg: 'function',
      value: 'column',
      from: 'keyword',
      tags: 'column',
      route: 'ident',
      "'x'": 'string',
      now: 'function',
      '5m': 'duration',
    });
  });

  it('keeps what the server refuses visible instead of failing', () => {
    const pieces = highlight('SELECT 0x1F, "name" -- rest\n\'open');
    expect(pieces.map((p) => p.text).join('')).toBe('SELECT 0x1F, "name" -- rest\n\'open');
    expect(pieces.filter((p) => p.kind === 'invalid').map((p) => p.text)).toEqual([
      '0x1F',
      '"',
      '"',
      '-- rest',
    ]);
    expect(pieces.at(-1)).toMatchObject({ kind: 'string', text: "'open" });
  });

  it('finds the offset of the line and column an error names', () => {
    const text = 'SELECT a,\n  avgg(value)\nFROM metrics';
    expect(offsetOf(text, 2, 3)).toBe(text.indexOf('avgg'));
    let refused: VqlError | undefined;
    try {
      prepareVql('SELECT service_name,\n  avgg(value)\nFROM metrics GROUP BY service_name', { now: NOW });
    } catch (err) {
      refused = err as VqlError;
    }
    expect(refused).toMatchObject({ line: 2, column: 3 });
    expect(offsetOf('SELECT service_name,\n  avgg(value)', 2, 3)).toBe(refused?.offset);
  });
});

describe('the queries the dashboard writes are valid VQL', () => {
  it.each(EXAMPLES.map((e) => [e.title, e.vql]))('example: %s', (_title, vql) => accepted(vql));

  it('the overview queries', () => {
    accepted(RATES_VQL);
    accepted(LATENCY_VQL);
  });

  it.each([
    { from: '-1h', to: 'now', groupBy: '' },
    { from: '-7d', to: 'now', groupBy: 'route' },
    { from: '2026-11-27T10:00:00Z', to: '2026-11-27T11:00:00Z', groupBy: 'http.route' },
  ])('a chart opened in Explore: $from to $to by $groupBy', ({ from, to, groupBy }) => {
    const vql = metricVql("it's", 'http_request_duration_ms', 'p99', groupBy, { from, to });
    accepted(vql);
    expect(vql).toContain("service_name = 'it''s'");
  });
});
