import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** The parts of a Grafana dashboard's JSON the dashboard test reads. */
export interface Dashboard {
  readonly title: string;
  readonly templating: { readonly list: readonly Variable[] };
  readonly panels: readonly Panel[];
}

interface Variable {
  readonly name: string;
  readonly type: string;
  readonly query?: string | { readonly query: string };
}

interface Panel {
  readonly title: string;
  readonly type: string;
  readonly datasource?: { readonly uid?: string };
  readonly targets?: readonly { readonly expr?: string; readonly datasource?: { readonly uid?: string } }[];
  /** A collapsed row holds its panels. */
  readonly panels?: readonly Panel[];
}

export interface PanelExpression {
  readonly panel: string;
  readonly expr: string;
  /** The datasource uid the target asks, its panel's where it names none. */
  readonly datasource: string | undefined;
}

/** Every dashboard JSON file of a folder. */
export function loadDashboards(dir: string): Dashboard[] {
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as Dashboard);
}

/** Every PromQL expression of every panel, rows' panels included. */
export function dashboardExpressions(d: Dashboard): PanelExpression[] {
  const out: PanelExpression[] = [];
  const visit = (panels: readonly Panel[]): void => {
    for (const p of panels) {
      visit(p.panels ?? []);
      for (const t of p.targets ?? []) {
        if (t.expr === undefined) continue;
        out.push({ panel: p.title, expr: t.expr, datasource: t.datasource?.uid ?? p.datasource?.uid });
      }
    }
  };
  visit(d.panels);
  return out;
}

/** The query of each query variable, by name. */
export function variableQueries(d: Dashboard): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of d.templating.list) {
    if (v.type !== 'query' || v.query === undefined) continue;
    out[v.name] = typeof v.query === 'string' ? v.query : v.query.query;
  }
  return out;
}

/**
 * Grafana's interpolation of `$name` and `${name}`; a variable the caller does not give is an
 * error, so a misspelt variable in a dashboard fails the test instead of reaching Prometheus.
 */
export function substituteVariables(expr: string, values: Record<string, string>): string {
  return expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, braced: string | undefined, bare: string | undefined) => {
    const name = braced ?? bare ?? '';
    const value = values[name];
    if (value === undefined) throw new Error(`unknown dashboard variable $${name} in ${expr}`);
    return value;
  });
}
