import type { AlertState } from './alert.js';
import type { ActiveAlert, AlertTransition } from './alert-state-machine.js';

/** A group that a no-data rule has seen report, so that its silence can be noticed. */
export interface SeenGroup {
  readonly rule: string;
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly lastSeen: number;
}

/** What one evaluation of a rule group changes, written at once. */
export interface GroupEvaluation {
  readonly group: string;
  readonly at: number;
  /** The group's pending and firing alerts after the evaluation (replacing the previous set). */
  readonly active: readonly ActiveAlert[];
  readonly transitions: readonly AlertTransition[];
  /** No-data rules' groups that reported in this evaluation. */
  readonly seen: readonly SeenGroup[];
  /** Whether the sink was handed the group's alerts (the ruler hands them after every evaluation). */
  readonly delivered: boolean;
}

export interface HistoryQuery {
  readonly from: number;
  readonly to: number;
  readonly rule?: string;
  readonly state?: AlertState;
  readonly limit: number;
}

export interface HistoryEntry {
  readonly at: number;
  readonly state: AlertState;
  readonly rule: string;
  readonly group: string;
  readonly fingerprint: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  /** null for a no-data alert (no value). */
  readonly value: number | null;
}

/** A rule group put through the API, kept as its body was checked. */
export interface StoredRuleGroup {
  readonly name: string;
  readonly body: unknown;
  readonly updatedAt: number;
}

/**
 * Where the ruler keeps what must outlive a restart: the pending and firing alerts (so a `for`
 * timer is not restarted and a firing alert does not fire again), when each group was last
 * evaluated and delivered, the groups no-data rules have seen, the history, and the API's rule
 * groups. Embedded: SQLite (`SqliteAlertStateStore`).
 */
export interface AlertStateStore {
  activeAlerts(group?: string): Promise<ActiveAlert[]>;
  /** When the group was last evaluated with its alerts delivered, or undefined. */
  lastDelivery(group: string): Promise<number | undefined>;
  seenGroups(group: string, rule: string): Promise<SeenGroup[]>;
  saveEvaluation(evaluation: GroupEvaluation): Promise<void>;
  history(query: HistoryQuery): Promise<HistoryEntry[]>;
  /** Deletes history of resolved alerts older than `before`; active alerts' history stays. */
  pruneHistory(before: number): Promise<number>;
  ruleGroups(): Promise<StoredRuleGroup[]>;
  putRuleGroup(group: StoredRuleGroup): Promise<void>;
  deleteRuleGroup(name: string): Promise<boolean>;
  close(): Promise<void>;
}
