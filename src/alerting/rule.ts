/** A rule's condition on the last column of each row. */
export interface RuleCondition {
  readonly op: '>' | '>=' | '<' | '<=' | '==' | '!=';
  readonly threshold: number;
}

interface RuleBase {
  /** The `alert:` name; also the `alertname` label. */
  readonly alert: string;
  readonly vql: string;
  readonly forMs: number;
  readonly keepFiringForMs: number;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** Fires for each row whose last column meets the condition. */
export interface ThresholdRule extends RuleBase {
  readonly kind: 'threshold';
  readonly condition: RuleCondition;
}

/**
 * `no_data: true`: fires for each group (the row's group columns) that an earlier evaluation
 * returned and this one does not, so a service that stops reporting is noticed.
 */
export interface NoDataRule extends RuleBase {
  readonly kind: 'no_data';
}

export type Rule = ThresholdRule | NoDataRule;

/** Where a group came from: a file of the rules directory (read-only through the API) or the API. */
export type RuleSource = { readonly kind: 'file'; readonly file: string } | { readonly kind: 'api' };

export interface RuleGroup {
  readonly name: string;
  readonly intervalMs: number;
  readonly rules: readonly Rule[];
  readonly source: RuleSource;
}

export function evaluateCondition(condition: RuleCondition, value: number): boolean {
  const t = condition.threshold;
  switch (condition.op) {
    case '>':
      return value > t;
    case '>=':
      return value >= t;
    case '<':
      return value < t;
    case '<=':
      return value <= t;
    case '==':
      return value === t;
    case '!=':
      return value !== t;
  }
}

const CONDITION = /^\s*(>=|<=|==|!=|>|<)\s*(-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?)\s*$/i;

/** `'> 500'` to a condition; undefined when the text is not an operator and a finite number. */
export function parseCondition(text: string): RuleCondition | undefined {
  const m = CONDITION.exec(text);
  if (!m) return undefined;
  const threshold = Number(m[2]);
  if (!Number.isFinite(threshold)) return undefined;
  return { op: m[1] as RuleCondition['op'], threshold };
}
