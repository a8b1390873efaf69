import type { ActiveAlert, AlertTransition } from './alert-state-machine.js';
import type { HistoryEntry, SeenGroup, StoredRuleGroup } from './alert-state-store.js';
import type { ReadBack } from './table-rows.js';

/**
 * How the ruler's state is laid out in rows, for both state stores (SQLite and ClickHouse): the
 * column names, labels and annotations as JSON text, and NaN (a no-data alert's value) as NULL,
 * which neither database keeps.
 */

export function activeAlertRow(a: ActiveAlert) {
  return {
    fingerprint: a.fingerprint,
    grp: a.group,
    rule: a.rule,
    labels: JSON.stringify(a.labels),
    annotations: JSON.stringify(a.annotations),
    state: a.state,
    value: finiteOrNull(a.value),
    active_at: a.activeAt,
    fired_at: a.firedAt ?? null,
    last_met_at: a.lastMetAt,
  };
}

export type ActiveAlertRow = ReadBack<typeof activeAlertRow>;

export function activeAlertFromRow(r: ActiveAlertRow): ActiveAlert {
  return {
    fingerprint: r.fingerprint,
    rule: r.rule,
    group: r.grp,
    labels: parseLabels(r.labels),
    annotations: parseLabels(r.annotations),
    state: r.state,
    value: r.value === null ? Number.NaN : Number(r.value),
    activeAt: Number(r.active_at),
    ...(r.fired_at === null ? {} : { firedAt: Number(r.fired_at) }),
    lastMetAt: Number(r.last_met_at),
  };
}

export function historyRow(t: AlertTransition) {
  const a = t.alert;
  return {
    at: t.at,
    state: a.state,
    fingerprint: a.fingerprint,
    grp: a.group,
    rule: a.rule,
    labels: JSON.stringify(a.labels),
    annotations: JSON.stringify(a.annotations),
    value: finiteOrNull(a.value),
  };
}

export type HistoryRow = ReadBack<typeof historyRow>;

export function historyEntryFromRow(r: HistoryRow): HistoryEntry {
  return {
    at: Number(r.at),
    state: r.state,
    rule: r.rule,
    group: r.grp,
    fingerprint: r.fingerprint,
    labels: parseLabels(r.labels),
    annotations: parseLabels(r.annotations),
    value: r.value === null ? null : Number(r.value),
  };
}

export function seenRow(group: string, s: SeenGroup) {
  return {
    grp: group,
    rule: s.rule,
    fingerprint: s.fingerprint,
    labels: JSON.stringify(s.labels),
    last_seen: s.lastSeen,
  };
}

export type SeenRow = ReadBack<typeof seenRow>;

/** The rows of one rule's groups: the rule is the query's, not read back. */
export function seenGroupFromRow(rule: string, r: Omit<SeenRow, 'grp' | 'rule'>): SeenGroup {
  return { rule, fingerprint: r.fingerprint, labels: parseLabels(r.labels), lastSeen: Number(r.last_seen) };
}

export function ruleGroupRow(g: StoredRuleGroup) {
  return { name: g.name, body: JSON.stringify(g.body), updated_at: g.updatedAt };
}

export type RuleGroupRow = ReadBack<typeof ruleGroupRow>;

export function ruleGroupFromRow(r: RuleGroupRow): StoredRuleGroup {
  return { name: r.name, body: JSON.parse(r.body) as unknown, updatedAt: Number(r.updated_at) };
}

function parseLabels(json: string): Record<string, string> {
  return JSON.parse(json) as Record<string, string>;
}

function finiteOrNull(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}
