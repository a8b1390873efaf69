import type { Cell, QueriesResult } from './queries-bench.js';
import { QUESTIONS } from './queries-questions.js';
import { fmt } from './support.js';

const VM = 'VictoriaMetrics 1.79';
const SHORT: Record<string, string> = {
  'Vantage embedded (SQLite)': 'Vantage SQLite',
  'Vantage on ClickHouse (chDB shim)': 'Vantage ClickHouse',
  'VictoriaMetrics 1.79': 'VictoriaMetrics',
  'Prometheus 2.42': 'Prometheus',
};

const ms = (n: number): string => (n >= 100 ? fmt(n, 0) : fmt(n, 1));
const ratio = (n: number, d: number | undefined): string =>
  d === undefined || !Number.isFinite(n / d) ? '' : ` (${fmt(n / d, n / d >= 10 ? 0 : 1)}x)`;

/**
 * Two tables, one row per question and range, one column per system: one client (p50 / p99, and
 * p50 as a multiple of VictoriaMetrics'), and `clients` clients (p99 and requests/s, each as a
 * multiple of VictoriaMetrics'). The load average column lists each system's, in column order.
 */
export function queriesReport(r: QueriesResult): string[] {
  const o = r.options;
  const names = r.systems.map((s) => s.name);
  const cell = (system: string, q: string, range: string): Cell | undefined =>
    r.cells.find((c) => c.system === system && c.question.id === q && c.range.label === range);
  const rows = r.ranges.flatMap((range) => QUESTIONS.map((q) => ({ q, range })));
  const head = (cols: string): string[] => [
    `| question | range | points | ${names.map((n) => SHORT[n] ?? n).join(' | ')} | ${cols} |`,
    `|---|---|---|${names.map(() => '---').join('|')}|---|`,
  ];
  const loads = (q: string, range: string): string =>
    names.map((n) => (cell(n, q, range) ? fmt(cell(n, q, range)?.load ?? 0, 2) : '-')).join(' / ');

  const one = rows.map(({ q, range }) => {
    const vm = cell(VM, q.id, range.label);
    const cols = names.map((n) => {
      const c = cell(n, q.id, range.label);
      return c ? `${ms(c.one.p50)} / ${ms(c.one.p99)}${n === VM ? '' : ratio(c.one.p50, vm?.one.p50)}` : '-';
    });
    const points = cell(names[0] ?? '', q.id, range.label)?.points ?? 0;
    return `| ${q.name} | ${range.label} | ${fmt(points)} | ${cols.join(' | ')} | ${loads(q.id, range.label)} |`;
  });
  const manyRanges = r.ranges.filter((range) => o.concurrentRanges.includes(range.label));
  const many = manyRanges.flatMap((range) =>
    QUESTIONS.map((q) => {
      const vm = cell(VM, q.id, range.label)?.many;
      const cols = names.map((n) => {
        const c = cell(n, q.id, range.label)?.many;
        if (!c) return '-';
        const p99 = `${ms(c.p99)}${n === VM ? '' : ratio(c.p99, vm?.p99)}`;
        const rps = `${fmt(c.perSecond, c.perSecond >= 100 ? 0 : 1)}${n === VM ? '' : ratio(c.perSecond, vm?.perSecond)}`;
        return `${p99} ms, ${rps}/s`;
      });
      return `| ${q.name} | ${range.label} | ${fmt(cell(names[0] ?? '', q.id, range.label)?.points ?? 0)} | ${cols.join(' | ')} | ${loads(q.id, range.label)} |`;
    }),
  );
  return [
    '### Queries without the cache, side by side (issue 13)',
    '',
    `Data: one gauge of ${fmt(o.series)} series (tags host, region with 4 values, zone, env), one sample per series-minute over ${o.days} d (${fmt(o.series * o.days * 1440)} samples), the same samples in every system; questions over the last 1 h, 24 h${o.days >= 7 ? ' and 7 d' : ''} of the data at 5-minute steps, caches off (Vantage \`--query-cache-max-mb 0\`, VictoriaMetrics \`nocache=1\`), every answer checked to agree across systems first. Loaded and settled in: ${r.systems.map((s) => `${SHORT[s.name] ?? s.name} ${fmt(s.loadSeconds)} s`).join(', ')}.`,
    '',
    `One client, ${o.reps} requests one after another: p50 / p99 ms (p50 as a multiple of VictoriaMetrics'); load avg (1 min) at the start of each system's run, in column order.`,
    '',
    ...head('load avg'),
    ...one,
    '',
    `${o.clients} clients at once, each asking again when answered, ${o.concurrentSeconds} s (and until each has one answer): p99 ms and requests/s (each as a multiple of VictoriaMetrics').`,
    '',
    ...head('load avg'),
    ...many,
    '',
  ];
}
