import type { Cell, QueriesOptions, QueriesPass } from './queries-bench.js';
import { QUESTIONS } from './queries-questions.js';
import type { Question, Range } from './queries-questions.js';
import { fmt } from './support.js';

const VM = 'VictoriaMetrics 1.79';
const SHORT: Record<string, string> = {
  'Vantage embedded (SQLite)': 'Vantage SQLite',
  'Vantage on ClickHouse (chDB shim)': 'Vantage ClickHouse',
  'VictoriaMetrics 1.79': 'VictoriaMetrics',
  'Prometheus 2.42': 'Prometheus',
};

const ms = (n: number): string => (n >= 100 ? fmt(n, 0) : fmt(n, 1));
function ratio(n: number, d: number | undefined): string {
  if (d === undefined || !Number.isFinite(n / d)) return '';
  const r = n / d;
  return ` (${fmt(r, r >= 10 ? 0 : r >= 1 ? 1 : 2)}x)`;
}

/**
 * Two tables, one row per question and range, one column per system: one client (p50 / p99, and
 * p50 as a multiple of VictoriaMetrics'), and `clients` clients (p99 and requests/s, each as a
 * multiple of VictoriaMetrics'). The load average column lists each system's, in column order.
 */
export function queriesReport(o: QueriesOptions, passes: readonly QueriesPass[]): string[] {
  const names = [...new Set(passes.flatMap((p) => p.systems.map((s) => s.name)))];
  const cells = passes.flatMap((p) => p.cells);
  const cell = (system: string, q: Question, range: Range): Cell | undefined =>
    cells.find((c) => c.system === system && c.question.id === q.id && c.range.label === range.label);
  const rows = passes.flatMap((p) => p.ranges.flatMap((range) => QUESTIONS.map((q) => ({ q, range }))));
  const head = [
    `| question | range | series | points | ${names.map((n) => SHORT[n] ?? n).join(' | ')} | load avg |`,
    `|---|---|---|---|${names.map(() => '---').join('|')}|---|`,
  ];
  const row = (
    q: Question,
    range: Range,
    text: (c: Cell, vm: Cell | undefined, isVm: boolean) => string,
  ): string => {
    const vm = cell(VM, q, range);
    const here = names.map((n) => cell(n, q, range));
    const any = here.find((c) => c !== undefined);
    const cols = here.map((c, i) => (c ? text(c, vm, names[i] === VM) : '-'));
    const loads = here.map((c) => (c ? fmt(c.load, 1) : '-')).join(' / ');
    return `| ${q.name} | ${range.label} | ${fmt(any?.series ?? 0)} | ${fmt(any?.points ?? 0)} | ${cols.join(' | ')} | ${loads} |`;
  };
  const one = rows.map(({ q, range }) =>
    row(
      q,
      range,
      (c, vm, isVm) => `${ms(c.one.p50)} / ${ms(c.one.p99)}${isVm ? '' : ratio(c.one.p50, vm?.one.p50)}`,
    ),
  );
  const many = rows
    .filter(({ range }) => o.concurrentRanges.includes(range.label))
    .map(({ q, range }) =>
      row(q, range, (c, vm, isVm) => {
        if (!c.many) return '-';
        const p99 = `${ms(c.many.p99)}${isVm ? '' : ratio(c.many.p99, vm?.many?.p99)}`;
        const rps = `${fmt(c.many.perSecond, c.many.perSecond >= 100 ? 0 : 1)}${isVm ? '' : ratio(c.many.perSecond, vm?.many?.perSecond)}`;
        return `${p99} ms, ${rps}/s`;
      }),
    );
  const loaded = passes.map(
    (p) =>
      `${fmt(p.series)} series x ${p.days} d (${fmt(p.series * p.days * 1440)} samples): ${p.systems.map((s) => `${SHORT[s.name] ?? s.name} ${fmt(s.loadSeconds)} s`).join(', ')}`,
  );
  return [
    '### Queries without the cache, side by side (issue 13)',
    '',
    `Data: one gauge (tags host, region with 4 values, zone, env), one sample per series-minute; the same samples in every system. Questions over the last 1 h, 24 h or 7 d of the data at 5-minute steps, caches off (Vantage \`--query-cache-max-mb 0\`, VictoriaMetrics \`nocache=1\`), every answer checked to agree across systems first. Loaded (and, for the peers, settled) in: ${loaded.join('; ')}.`,
    '',
    `One client, ${o.reps} requests one after another: p50 / p99 ms (p50 as a multiple of VictoriaMetrics'). Load avg: the machine's 1-minute load average as each system's run of the row began, in column order.`,
    '',
    ...head,
    ...one,
    '',
    `${o.clients} clients at once, each asking again when answered, ${o.concurrentSeconds} s (and until each has had an answer): p99 ms, requests/s (each as a multiple of VictoriaMetrics').`,
    '',
    ...head,
    ...many,
    '',
  ];
}
