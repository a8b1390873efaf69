import type { AlertInstance } from './alert.js';
import { renderTemplate } from './annotation-template.js';
import type { Rule } from './rule.js';

/** An alert that is pending or firing: what the state store keeps between evaluations and restarts. */
export interface ActiveAlert {
  readonly fingerprint: string;
  readonly rule: string;
  readonly group: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: 'pending' | 'firing';
  readonly value: number;
  /** First evaluation that met the condition: the `for` timer runs from here. */
  readonly activeAt: number;
  readonly firedAt?: number;
  /** Last evaluation that met the condition: `keep_firing_for` runs from here. */
  readonly lastMetAt: number;
}

/** One group of a rule that meets its condition in this evaluation. */
export interface Observation {
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

/** A change of state, for the history. */
export interface AlertTransition {
  readonly alert: AlertInstance;
  readonly at: number;
}

export interface RuleStep {
  /** Pending and firing alerts after this evaluation. */
  readonly active: ActiveAlert[];
  /** Alerts that resolved in this evaluation. */
  readonly resolved: AlertInstance[];
  /** Entries to pending, firing and resolved, in that order of events. */
  readonly transitions: AlertTransition[];
}

/**
 * One evaluation of one rule: inactive → pending when a group first meets the condition; pending →
 * firing once it has met it for `for` (at once when `for` is 0); pending → inactive (unrecorded,
 * unnotified) when it stops before; firing → resolved when it has not met it for `keep_firing_for`.
 * Pure, with the clock passed in, so that the state machine is tested without waiting.
 */
export function stepRule(
  rule: Rule,
  group: string,
  previous: ReadonlyMap<string, ActiveAlert>,
  observations: readonly Observation[],
  now: number,
): RuleStep {
  const active: ActiveAlert[] = [];
  const resolved: AlertInstance[] = [];
  const transitions: AlertTransition[] = [];
  const seen = new Set<string>();
  for (const o of observations) {
    seen.add(o.fingerprint);
    const before = previous.get(o.fingerprint);
    const activeAt = before?.activeAt ?? now;
    const fires = before?.state === 'firing' || now - activeAt >= rule.forMs;
    const next: ActiveAlert = {
      fingerprint: o.fingerprint,
      rule: rule.alert,
      group,
      labels: o.labels,
      annotations: annotate(rule, o.labels, o.value),
      state: fires ? 'firing' : 'pending',
      value: o.value,
      activeAt,
      ...(fires ? { firedAt: before?.firedAt ?? now } : {}),
      lastMetAt: now,
    };
    active.push(next);
    if (before === undefined) transitions.push({ alert: toInstance({ ...next, state: 'pending' }), at: now });
    if (fires && before?.state !== 'firing') transitions.push({ alert: toInstance(next), at: now });
  }
  for (const before of previous.values()) {
    if (seen.has(before.fingerprint) || before.state === 'pending') continue;
    if (now - before.lastMetAt < rule.keepFiringForMs) {
      active.push(before);
      continue;
    }
    const gone = { ...toInstance(before), state: 'resolved' as const, resolvedAt: now };
    resolved.push(gone);
    transitions.push({ alert: gone, at: now });
  }
  return { active, resolved, transitions };
}

export function toInstance(a: ActiveAlert): AlertInstance {
  return {
    rule: a.rule,
    group: a.group,
    fingerprint: a.fingerprint,
    labels: a.labels,
    annotations: a.annotations,
    state: a.state,
    value: a.value,
    activeAt: a.activeAt,
    ...(a.firedAt === undefined ? {} : { firedAt: a.firedAt }),
  };
}

function annotate(
  rule: Rule,
  labels: Readonly<Record<string, string>>,
  value: number,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, text] of Object.entries(rule.annotations)) out[key] = renderTemplate(text, labels, value);
  return out;
}
