import { VantageError } from '../core/index.js';
import type { TierRetention } from '../core/index.js';
import { prepareVql, shapeVqlAnswer } from '../query/index.js';
import type { Store } from '../storage/index.js';
import type { AlertInstance } from './alert.js';
import { stepRule, toInstance } from './alert-state-machine.js';
import type { ActiveAlert, AlertTransition, Observation } from './alert-state-machine.js';
import type { AlertStateStore, SeenGroup } from './alert-state-store.js';
import { alertFingerprint } from './fingerprint.js';
import { evaluateCondition } from './rule.js';
import type { Rule, RuleGroup } from './rule.js';

/** How the last evaluation of a rule went, for GET /v1/rules. */
export interface RuleHealth {
  readonly lastEvaluation: number;
  readonly durationMs: number;
  readonly rows: number;
  readonly error?: { readonly code: string; readonly message: string };
}

export interface GroupOutcome {
  /** What the sink is handed: the group's firing alerts and those resolved now. */
  readonly deliver: AlertInstance[];
  readonly active: ActiveAlert[];
  readonly health: Map<string, RuleHealth>;
  readonly droppedRows: number;
}

export interface GroupEvaluatorOptions {
  readonly store: Pick<Store, 'queryVql'>;
  readonly state: AlertStateStore;
  readonly retention?: TierRetention;
  readonly maxInstancesPerRule: number;
}

/**
 * One evaluation of a rule group at `now`: each rule's VQL straight on the store (planned afresh
 * with `now`, never through the API's answer cache), each row one instance, the state machine,
 * then one durable write of the group's new state and history. A rule whose query fails keeps its
 * alerts as they were (an outage of the store must not resolve every alert).
 */
export async function evaluateGroup(
  group: RuleGroup,
  now: number,
  options: GroupEvaluatorOptions,
): Promise<GroupOutcome> {
  const previous = await options.state.activeAlerts(group.name);
  const byRule = new Map<string, Map<string, ActiveAlert>>();
  for (const a of previous) {
    const m = byRule.get(a.rule) ?? new Map<string, ActiveAlert>();
    m.set(a.fingerprint, a);
    byRule.set(a.rule, m);
  }
  const active: ActiveAlert[] = [];
  const deliver: AlertInstance[] = [];
  const transitions: AlertTransition[] = [];
  const seen: SeenGroup[] = [];
  const health = new Map<string, RuleHealth>();
  let droppedRows = 0;
  for (const rule of group.rules) {
    const started = performance.now();
    const before = byRule.get(rule.alert) ?? new Map<string, ActiveAlert>();
    byRule.delete(rule.alert);
    let rows: Row[];
    try {
      rows = await runRule(rule, group.name, now, options);
    } catch (err) {
      active.push(...before.values());
      deliver.push(...[...before.values()].filter((a) => a.state === 'firing').map(toInstance));
      health.set(rule.alert, {
        lastEvaluation: now,
        durationMs: elapsed(started),
        rows: 0,
        error: describe(err),
      });
      continue;
    }
    let error: RuleHealth['error'];
    if (rows.length > options.maxInstancesPerRule) {
      droppedRows += rows.length - options.maxInstancesPerRule;
      const e = new VantageError('VTG_ALERT_TOO_MANY_INSTANCES', {
        params: { count: rows.length, limit: options.maxInstancesPerRule },
      });
      error = { code: e.code, message: e.message };
      rows = rows.slice(0, options.maxInstancesPerRule);
    }
    const observations =
      rule.kind === 'threshold'
        ? rows.filter((r) => evaluateCondition(rule.condition, r.value))
        : await silentGroups(rule, group.name, rows, now, options, seen);
    const step = stepRule(rule, group.name, before, observations, now);
    active.push(...step.active);
    transitions.push(...step.transitions);
    deliver.push(...step.active.filter((a) => a.state === 'firing').map(toInstance), ...step.resolved);
    health.set(rule.alert, {
      lastEvaluation: now,
      durationMs: elapsed(started),
      rows: rows.length,
      ...(error ? { error } : {}),
    });
  }
  // Alerts of rules taken out of the group resolve: nothing will evaluate them again.
  for (const gone of byRule.values())
    for (const a of gone.values()) {
      if (a.state !== 'firing') continue;
      const resolved = { ...toInstance(a), state: 'resolved' as const, resolvedAt: now };
      deliver.push(resolved);
      transitions.push({ alert: resolved, at: now });
    }
  await options.state.saveEvaluation({
    group: group.name,
    at: now,
    active,
    transitions,
    seen,
    delivered: true,
  });
  return { deliver, active, health, droppedRows };
}

type Row = Observation;

async function runRule(
  rule: Rule,
  group: string,
  now: number,
  options: Pick<GroupEvaluatorOptions, 'store' | 'retention'>,
): Promise<Row[]> {
  const plan = prepareVql(rule.vql, { now, ...(options.retention ? { retention: options.retention } : {}) });
  const { rows, sorted } = await options.store.queryVql(plan);
  const answer = shapeVqlAnswer(plan, rows, sorted);
  // A `tags.<key>` column is the label `<key>`: label names as Prometheus and Alertmanager take them.
  const keyColumns = plan.output.flatMap((c, i) =>
    c.source.kind === 'key' ? [{ name: c.name.startsWith('tags.') ? c.name.slice(5) : c.name, i }] : [],
  );
  const last = answer.columns.length - 1;
  const out: Row[] = [];
  for (const row of answer.rows) {
    const value = row[last];
    const labels: Record<string, string> = {};
    for (const k of keyColumns) labels[k.name] = String(row[k.i] ?? '');
    Object.assign(labels, rule.labels, { alertname: rule.alert });
    out.push({
      fingerprint: alertFingerprint(group, labels),
      labels,
      value: typeof value === 'number' ? value : Number.NaN,
    });
  }
  return out;
}

/**
 * A no-data rule's observations: the groups seen before and missing now. The groups that reported
 * are remembered (at most --alert-max-instances-per-rule of them) for the next evaluations.
 */
async function silentGroups(
  rule: Rule,
  group: string,
  rows: readonly Row[],
  now: number,
  options: GroupEvaluatorOptions,
  seen: SeenGroup[],
): Promise<Observation[]> {
  const known = await options.state.seenGroups(group, rule.alert);
  const reporting = new Set(rows.map((r) => r.fingerprint));
  const knownIds = new Set(known.map((k) => k.fingerprint));
  let room = options.maxInstancesPerRule - known.length;
  for (const r of rows) {
    if (!knownIds.has(r.fingerprint) && room-- <= 0) continue;
    seen.push({ rule: rule.alert, fingerprint: r.fingerprint, labels: r.labels, lastSeen: now });
  }
  return known
    .filter((k) => !reporting.has(k.fingerprint))
    .map((k) => ({ fingerprint: k.fingerprint, labels: k.labels, value: Number.NaN }));
}

function describe(err: unknown): { code: string; message: string } {
  if (err instanceof VantageError) return { code: err.code, message: err.message };
  const e = new VantageError('VTG_ALERT_EVALUATION_FAILED', {
    params: { reason: err instanceof Error ? err.message : String(err) },
  });
  return { code: e.code, message: e.message };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}

/** One rule of a previewed group: what its query returns now and which rows meet the condition. */
export interface RulePreview {
  readonly alert: string;
  readonly kind: Rule['kind'];
  /** Each group (row) the query returned, or, for a no-data rule, each group seen before. */
  readonly rows: readonly { labels: Record<string, string>; value: number | null; meets: boolean }[];
  /** Groups that would be pending or firing now (before `for`), of `rows.length`. */
  readonly meeting: number;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * Runs each rule's query of a group once at `now`, as an evaluation would, and says which rows
 * meet the condition, without touching the alert state: nothing is stored, nothing is delivered.
 * A no-data rule reads the groups its stored namesake has seen (none for a new group).
 */
export async function previewGroup(
  group: RuleGroup,
  now: number,
  options: Omit<GroupEvaluatorOptions, 'state'> & { state: Pick<AlertStateStore, 'seenGroups'> },
): Promise<RulePreview[]> {
  const out: RulePreview[] = [];
  for (const rule of group.rules) {
    let rows: Row[];
    try {
      rows = await runRule(rule, group.name, now, options);
    } catch (err) {
      out.push({ alert: rule.alert, kind: rule.kind, rows: [], meeting: 0, error: describe(err) });
      continue;
    }
    let error: RulePreview['error'];
    if (rows.length > options.maxInstancesPerRule) {
      const e = new VantageError('VTG_ALERT_TOO_MANY_INSTANCES', {
        params: { count: rows.length, limit: options.maxInstancesPerRule },
      });
      error = { code: e.code, message: e.message };
      rows = rows.slice(0, options.maxInstancesPerRule);
    }
    let shown: RulePreview['rows'];
    if (rule.kind === 'threshold') {
      shown = rows.map((r) => ({
        labels: r.labels,
        value: Number.isFinite(r.value) ? r.value : null,
        meets: evaluateCondition(rule.condition, r.value),
      }));
    } else {
      const reporting = new Set(rows.map((r) => r.fingerprint));
      const known = await options.state.seenGroups(group.name, rule.alert);
      shown = [
        ...rows.map((r) => ({
          labels: r.labels,
          value: Number.isFinite(r.value) ? r.value : null,
          meets: false,
        })),
        ...known
          .filter((k) => !reporting.has(k.fingerprint))
          .map((k) => ({ labels: { ...k.labels }, value: null, meets: true })),
      ];
    }
    out.push({
      alert: rule.alert,
      kind: rule.kind,
      rows: shown,
      meeting: shown.filter((r) => r.meets).length,
      ...(error ? { error } : {}),
    });
  }
  return out;
}
