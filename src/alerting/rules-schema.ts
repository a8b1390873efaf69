import { z } from 'zod';
import { parseDuration } from '../core/index.js';
import { prepareVql, VqlError } from '../query/index.js';
import { notifiersSectionSchema } from './alert.js';
import type { NotifierConfig } from './alert.js';
import { templateProblem } from './annotation-template.js';
import { parseCondition } from './rule.js';
import type { Rule, RuleGroup, RuleSource } from './rule.js';
import { RULE_LIMITS } from './rules-limits.js';

/** One reason a rules document is refused, with the path of the field at fault. */
export interface RulesProblem {
  readonly path: readonly (string | number)[];
  readonly reason: string;
  /** Where in the field's text value the fault is (a VQL error), 0-based. */
  readonly textOffset?: number;
}

const NAME = /^[A-Za-z0-9_.-]{1,128}$/;
const IDENT = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const text = z.string().max(RULE_LIMITS.textChars);
const duration = z.string().refine((t) => parseDuration(t) !== undefined, 'a duration such as 30s, 5m or 1h');
const labelMap = (max: number) =>
  z
    .record(z.string().regex(IDENT, 'a name of letters, digits and _'), text)
    .refine((m) => Object.keys(m).length <= max, `at most ${max} entries`);

const ruleSchema = z
  .object({
    alert: z.string().regex(IDENT, 'a name of letters, digits and _, starting with a letter or _'),
    vql: z.string().min(1).max(10_000),
    condition: z.string().optional(),
    no_data: z.boolean().optional(),
    for: duration.optional(),
    keep_firing_for: duration.optional(),
    labels: labelMap(RULE_LIMITS.labels).optional(),
    annotations: labelMap(RULE_LIMITS.annotations).optional(),
  })
  .strict();

export const ruleGroupSchema = z
  .object({
    name: z.string().regex(NAME, '1 to 128 letters, digits, _ . or -'),
    interval: duration.optional(),
    rules: z.array(ruleSchema).min(1),
  })
  .strict();
export type RuleGroupInput = z.input<typeof ruleGroupSchema>;

const documentSchema = z
  .object({ groups: z.array(ruleGroupSchema).optional(), notifiers: notifiersSectionSchema.optional() })
  .strict();

export interface RulesDocument {
  readonly groups: readonly RuleGroup[];
  readonly notifiers: readonly NotifierConfig[];
}

/**
 * Checks a rules document (a parsed YAML file, or `{ groups: [body] }` for the API) and builds its
 * groups. Every problem is reported, not only the first, as `promtool check rules` does.
 */
export function checkRulesDocument(
  value: unknown,
  source: RuleSource,
  now: number,
): { document?: RulesDocument; problems: RulesProblem[] } {
  const parsed = documentSchema.safeParse(value ?? {});
  if (!parsed.success)
    return {
      problems: parsed.error.issues.map((i) => ({ path: i.path as (string | number)[], reason: i.message })),
    };
  const problems: RulesProblem[] = [];
  const groups: RuleGroup[] = [];
  const groupNames = new Set<string>();
  (parsed.data.groups ?? []).forEach((g, gi) => {
    if (groupNames.has(g.name))
      problems.push({ path: ['groups', gi, 'name'], reason: `group ${g.name} is named twice` });
    groupNames.add(g.name);
    const intervalMs =
      g.interval === undefined ? RULE_LIMITS.defaultIntervalMs : (parseDuration(g.interval) as number);
    if (intervalMs < RULE_LIMITS.minIntervalMs)
      problems.push({
        path: ['groups', gi, 'interval'],
        reason: `at least ${RULE_LIMITS.minIntervalMs / 1000}s`,
      });
    const alerts = new Set<string>();
    const rules: Rule[] = [];
    g.rules.forEach((r, ri) => {
      const at = ['groups', gi, 'rules', ri];
      if (alerts.has(r.alert))
        problems.push({ path: [...at, 'alert'], reason: `alert ${r.alert} is in this group twice` });
      alerts.add(r.alert);
      const rule = checkRule(r, at, now, problems);
      if (rule) rules.push(rule);
    });
    groups.push({ name: g.name, intervalMs, rules, source });
  });
  const notifierNames = new Set<string>();
  (parsed.data.notifiers ?? []).forEach((n, ni) => {
    if (notifierNames.has(n.name))
      problems.push({ path: ['notifiers', ni, 'name'], reason: `notifier ${n.name} is named twice` });
    notifierNames.add(n.name);
  });
  if (problems.length > 0) return { problems };
  return { document: { groups, notifiers: parsed.data.notifiers ?? [] }, problems };
}

function checkRule(
  r: z.output<typeof ruleSchema>,
  at: (string | number)[],
  now: number,
  problems: RulesProblem[],
): Rule | undefined {
  const before = problems.length;
  const base = {
    alert: r.alert,
    vql: r.vql,
    forMs: r.for === undefined ? 0 : (parseDuration(r.for) as number),
    keepFiringForMs: r.keep_firing_for === undefined ? 0 : (parseDuration(r.keep_firing_for) as number),
    labels: r.labels ?? {},
    annotations: r.annotations ?? {},
  };
  for (const [key, t] of Object.entries(base.annotations)) {
    const reason = templateProblem(t);
    if (reason) problems.push({ path: [...at, 'annotations', key], reason });
  }
  if ('alertname' in base.labels)
    problems.push({ path: [...at, 'labels', 'alertname'], reason: 'alertname is set from alert:' });
  const vqlProblem = checkRuleVql(r.vql, now);
  if (vqlProblem) problems.push({ path: [...at, 'vql'], ...vqlProblem });
  const noData = r.no_data === true;
  if (noData && r.condition !== undefined)
    problems.push({ path: [...at, 'condition'], reason: 'a no_data rule has no condition' });
  if (!noData && r.condition === undefined)
    problems.push({ path: [...at, 'condition'], reason: "required (such as '> 500'), unless no_data: true" });
  const condition = r.condition === undefined ? undefined : parseCondition(r.condition);
  if (r.condition !== undefined && condition === undefined)
    problems.push({
      path: [...at, 'condition'],
      reason: "an operator (> >= < <= == !=) and a number, such as '> 500'",
    });
  if (problems.length > before) return undefined;
  if (noData) return { ...base, kind: 'no_data' };
  return condition && { ...base, kind: 'threshold', condition };
}

/**
 * Why a rule's VQL cannot drive alerts, or undefined. Parsed, validated and planned as the query
 * API would; then each row must be one group (no time_bucket) ending in a number (an aggregate).
 */
function checkRuleVql(vql: string, now: number): { reason: string; textOffset?: number } | undefined {
  let plan;
  try {
    plan = prepareVql(vql, { now });
  } catch (err) {
    if (err instanceof VqlError)
      return {
        reason: `${err.code} at ${err.line}:${err.column} of the query: ${err.reason}`,
        textOffset: err.offset,
      };
    throw err;
  }
  if (plan.groupKeys.some((k) => k.key.kind === 'time_bucket'))
    return { reason: 'a rule groups by what it alerts on, not by time: drop time_bucket' };
  if (plan.output.at(-1)?.source.kind !== 'aggregate')
    return {
      reason: 'the last column must be an aggregate (the value the condition tests), such as p99(value)',
    };
  return undefined;
}
