import type { Logger } from 'pino';
import { VantageError } from '../core/index.js';
import type { TierRetention } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { AlertInstance, AlertSink } from './alert.js';
import type { AlertStateStore } from './alert-state-store.js';
import { toInstance } from './alert-state-machine.js';
import { evaluateGroup, previewGroup } from './group-evaluator.js';
import type { RuleHealth, RulePreview } from './group-evaluator.js';
import type { RuleGroup } from './rule.js';
import { RuleSet } from './rule-set.js';
import type { RulerMetrics } from './ruler-metrics.js';
import { fieldPath, parseRuleGroupText, rulesInvalidError } from './rules-file.js';
import type { LocatedProblem } from './rules-file.js';
import type { RulesLimits } from './rules-limits.js';
import { checkRulesDocument } from './rules-schema.js';

/** Whether this process is the one that evaluates (distributed: the holder of the ruler's lease). */
export interface Leadership {
  isLeader(): boolean;
}

export interface RulerOptions {
  readonly store: Pick<Store, 'queryVql'>;
  readonly state: AlertStateStore;
  readonly sink: AlertSink;
  readonly logger: Logger;
  readonly limits: RulesLimits;
  readonly metrics?: RulerMetrics;
  readonly retention?: TierRetention;
  readonly clock?: () => number;
  /** Absent: this process always evaluates (embedded mode). */
  readonly leadership?: Leadership;
  /** How often the scheduler looks for due groups; 1 s by default. */
  readonly tickMs?: number;
  /**
   * How often the API's groups are read again from the state store, which other processes share
   * (distributed: a group put through one API must come into force on the leader); 10 s by default.
   */
  readonly apiGroupsSyncMs?: number;
}

/** Resolved alerts' history is kept this long (the design's retention); active alerts' forever. */
export const RESOLVED_HISTORY_MS = 365 * 86_400_000;
const PRUNE_EVERY_MS = 3_600_000;
/**
 * Alerts resolved this recently are handed to the sink again when the ruler starts, as Prometheus
 * resends resolved alerts for 15 minutes: the notification side may have held a resolution (its
 * group_interval) when the process stopped, and nothing else would ever hand it over again.
 */
export const RESOLVED_REDELIVERY_MS = 15 * 60_000;
/** How far back the firing that a redelivered resolution ends is looked for (its startsAt). */
const FIRED_LOOKBACK_MS = 7 * 86_400_000;

/**
 * Evaluates each rule group on its interval and hands the sink the group's firing and newly
 * resolved alerts. Groups run one at a time, so the load on the store is one query at a time
 * however many rules there are. The schedule outlives a restart and a handover: a group is next
 * due one interval after its last delivery as the state store recorded it, whoever delivered it.
 */
export class Ruler {
  readonly rules: RuleSet;
  private readonly health = new Map<string, Map<string, RuleHealth>>();
  private readonly nextAt = new Map<string, number>();
  private readonly clock: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastPrune = 0;
  /** Groups taken out of force whose alerts are still to resolve. */
  private readonly retired = new Set<string>();
  /** The `updatedAt` of each API group in force, as stored: what a sync compares. */
  private readonly apiVersions = new Map<string, number>();
  private lastApiSync = 0;
  /** Set while a sync reads the store; names this process changes meanwhile are left to it. */
  private changedDuringSync: Set<string> | undefined;

  constructor(private readonly options: RulerOptions) {
    this.rules = new RuleSet(options.limits.maxRules);
    this.clock = options.clock ?? Date.now;
  }

  /** Loads the API's groups from the state store and starts the schedule. */
  async start(): Promise<void> {
    await this.syncApiGroups();
    // Groups taken out of force while no ruler ran (a file deleted between restarts).
    for (const a of await this.options.state.activeAlerts())
      if (!this.rules.get(a.group)) this.retired.add(a.group);
    this.updateGauges();
    if (this.options.leadership?.isLeader() ?? true) await this.redeliverResolved();
    const tick = this.options.tickMs ?? 1_000;
    this.timer = setInterval(() => void this.runDue(), tick);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Checks an API body as a file's group would be, then stores and schedules it. */
  async putApiGroup(name: string, body: unknown): Promise<RuleGroup> {
    const group = this.checkApiBody(body);
    if (group.name !== name)
      throw new VantageError('VTG_RULES_INVALID', {
        params: { problem: `name: ${group.name} differs from the path's ${name}` },
        field: 'name',
      });
    const previous = this.rules.get(name);
    this.rules.setApi(group);
    this.changedDuringSync?.add(name);
    const updatedAt = this.clock();
    try {
      await this.options.state.putRuleGroup({ name, body, updatedAt });
    } catch (err) {
      // Not stored, so not in force: what a restart would load is what runs.
      if (previous) this.rules.setApi(previous);
      else this.rules.removeApi(name);
      throw err;
    }
    this.apiVersions.set(name, updatedAt);
    this.retired.delete(name);
    this.updateGauges();
    return group;
  }

  /**
   * The rule editor's preview: checks the text of one group as `putApiGroup` checks its body, and
   * runs each rule's query once now, storing nothing. Problems come back located, not thrown.
   */
  async preview(
    text: string,
  ): Promise<{ group?: RuleGroup; problems: readonly LocatedProblem[]; rules: readonly RulePreview[] }> {
    const now = this.clock();
    const parsed = parseRuleGroupText(text, now);
    if (!parsed.ok) return { problems: parsed.problems, rules: [] };
    // A group that could never be put in force is not run either: the preview runs one query per rule.
    const count = parsed.group.rules.length;
    if (count > this.options.limits.maxRules)
      throw new VantageError('VTG_RULES_TOO_MANY', {
        params: { count, limit: this.options.limits.maxRules },
      });
    const rules = await previewGroup(parsed.group, now, {
      store: this.options.store,
      state: this.options.state,
      maxInstancesPerRule: this.options.limits.maxInstancesPerRule,
      ...(this.options.retention ? { retention: this.options.retention } : {}),
    });
    return { group: parsed.group, problems: [], rules };
  }

  async deleteApiGroup(name: string): Promise<void> {
    const group = this.rules.get(name);
    if (!group) throw new VantageError('VTG_RULES_GROUP_NOT_FOUND', { params: { group: name } });
    if (group.source.kind === 'file')
      throw new VantageError('VTG_RULES_READ_ONLY', { params: { group: name, file: group.source.file } });
    this.rules.removeApi(name);
    this.retired.add(name);
    this.apiVersions.delete(name);
    this.changedDuringSync?.add(name);
    await this.options.state.deleteRuleGroup(name);
    this.updateGauges();
  }

  /** A file's groups, checked already; throws when they clash with the groups in force. */
  setFileGroups(file: string, groups: readonly RuleGroup[]): void {
    this.retireChanges(() => this.rules.setFile(file, groups));
  }

  removeFile(file: string): void {
    this.retireChanges(() => this.rules.removeFile(file));
  }

  /** Runs a change of the rule set and marks the groups it took out of force. */
  private retireChanges(change: () => void): void {
    const before = new Set(this.rules.all().map((g) => g.name));
    change();
    const after = new Set(this.rules.all().map((g) => g.name));
    for (const name of before) if (!after.has(name)) this.retired.add(name);
    for (const name of after) this.retired.delete(name);
    this.updateGauges();
  }

  ruleHealth(group: string, rule: string): RuleHealth | undefined {
    return this.health.get(group)?.get(rule);
  }

  /** Evaluates every group that is due; what the timer calls, and tests with a fake clock. */
  async runDue(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.evaluateDue().finally(() => (this.running = undefined));
    return this.running;
  }

  /**
   * Brings the API's groups in force in line with the state store, where another process (another
   * `vantage api`) may have put or deleted one since. A group deleted elsewhere is retired here, so
   * the leader resolves its alerts. A stored group that no longer loads is logged once and skipped.
   */
  async syncApiGroups(): Promise<void> {
    this.lastApiSync = this.clock();
    const changed = new Set<string>();
    this.changedDuringSync = changed;
    let stored;
    try {
      stored = await this.options.state.ruleGroups();
    } finally {
      this.changedDuringSync = undefined;
    }
    const names = new Set(stored.map((g) => g.name));
    for (const { name, body, updatedAt } of stored) {
      if (changed.has(name) || this.apiVersions.get(name) === updatedAt) continue;
      this.apiVersions.set(name, updatedAt);
      try {
        const group = this.checkApiBody(body);
        this.retireChanges(() => this.rules.setApi(group));
      } catch (err) {
        this.options.logger.error({ err, group: name }, 'a stored API rule group does not load; skipped');
      }
    }
    for (const group of this.rules.all()) {
      if (group.source.kind !== 'api' || names.has(group.name) || changed.has(group.name)) continue;
      this.apiVersions.delete(group.name);
      this.retireChanges(() => this.rules.removeApi(group.name));
    }
  }

  private async evaluateDue(): Promise<void> {
    if (this.clock() - this.lastApiSync >= (this.options.apiGroupsSyncMs ?? 10_000)) {
      try {
        await this.syncApiGroups();
      } catch (err) {
        this.options.logger.error(
          { err },
          'the API rule groups could not be read again; the ones in force stay',
        );
      }
    }
    const leader = this.options.leadership?.isLeader() ?? true;
    this.options.metrics?.isLeader.set(leader ? 1 : 0);
    if (!leader) {
      // Forget the schedule: whoever leads next reads it from the state store.
      this.nextAt.clear();
      return;
    }
    const groups = this.rules.all();
    const names = new Set(groups.map((g) => g.name));
    for (const name of [...this.nextAt.keys()]) if (!names.has(name)) this.nextAt.delete(name);
    let evaluated = 0;
    for (const name of [...this.retired]) {
      await this.retire(name);
      this.retired.delete(name);
      evaluated++;
    }
    for (const group of groups) {
      const now = this.clock();
      let due = this.nextAt.get(group.name);
      if (due === undefined) {
        const last = await this.options.state.lastDelivery(group.name);
        due = last === undefined ? now : last + group.intervalMs;
        this.nextAt.set(group.name, due);
      }
      if (due > now) continue;
      if (!(this.options.leadership?.isLeader() ?? true)) return;
      await this.evaluate(group, now);
      this.nextAt.set(group.name, Math.max(due + group.intervalMs, now));
      evaluated++;
    }
    if (evaluated > 0) await this.updateActiveGauge();
    await this.prune();
  }

  private async evaluate(group: RuleGroup, now: number): Promise<void> {
    const { metrics, logger } = this.options;
    const stop = metrics?.groupDuration.startTimer();
    try {
      const outcome = await evaluateGroup(group, now, {
        store: this.options.store,
        state: this.options.state,
        maxInstancesPerRule: this.options.limits.maxInstancesPerRule,
        ...(this.options.retention ? { retention: this.options.retention } : {}),
      });
      this.health.set(group.name, outcome.health);
      for (const h of outcome.health.values())
        metrics?.evaluations.inc({ outcome: h.error ? 'failed' : 'ok' });
      if (outcome.droppedRows > 0) metrics?.droppedInstances.inc(outcome.droppedRows);
      this.options.sink.deliver(outcome.deliver, now);
    } catch (err) {
      // The state store failed: nothing was recorded, so nothing is delivered; the next tick retries.
      logger.error({ err, group: group.name }, 'a rule group could not be evaluated');
      metrics?.evaluations.inc({ outcome: 'failed' }, group.rules.length);
    } finally {
      stop?.();
    }
  }

  /**
   * Hands the sink, once, the alerts resolved in the last RESOLVED_REDELIVERY_MS that are not
   * active again. The notification side's log knows which resolutions it sent, so one it did send
   * is not sent twice.
   */
  private async redeliverResolved(): Promise<void> {
    const now = this.clock();
    const limit = 10_000;
    const resolved = await this.options.state.history({
      from: now - RESOLVED_REDELIVERY_MS,
      to: now + 1, // `to` is exclusive
      state: 'resolved',
      limit,
    });
    if (resolved.length === 0) return;
    const active = new Set((await this.options.state.activeAlerts()).map((a) => a.fingerprint));
    const fired = await this.options.state.history({
      from: now - FIRED_LOOKBACK_MS,
      to: now + 1, // `to` is exclusive
      state: 'firing',
      limit,
    });
    const alerts: AlertInstance[] = [];
    const seen = new Set<string>();
    // Newest first: the latest resolution of each alert, and the firing it ended.
    for (const r of resolved) {
      if (active.has(r.fingerprint) || seen.has(r.fingerprint)) continue;
      seen.add(r.fingerprint);
      const firedAt = fired.find((f) => f.fingerprint === r.fingerprint && f.at <= r.at)?.at ?? r.at;
      alerts.push({
        rule: r.rule,
        group: r.group,
        fingerprint: r.fingerprint,
        labels: r.labels,
        annotations: r.annotations,
        state: 'resolved',
        value: r.value ?? Number.NaN,
        activeAt: firedAt,
        firedAt,
        resolvedAt: r.at,
      });
    }
    if (alerts.length > 0) this.options.sink.deliver(alerts, now);
  }

  /** Resolves the alerts of a group no longer in force: nothing will evaluate them again. */
  private async retire(name: string): Promise<void> {
    const now = this.clock();
    const active = await this.options.state.activeAlerts(name);
    if (active.length === 0) return;
    const resolved = active
      .filter((a) => a.state === 'firing')
      .map((a) => ({ ...toInstance(a), state: 'resolved' as const, resolvedAt: now }));
    await this.options.state.saveEvaluation({
      group: name,
      at: now,
      active: [],
      transitions: resolved.map((alert) => ({ alert, at: now })),
      seen: [],
      delivered: false,
    });
    this.health.delete(name);
    this.options.sink.deliver(resolved, now);
  }

  private async prune(): Promise<void> {
    const now = this.clock();
    if (now - this.lastPrune < PRUNE_EVERY_MS) return;
    this.lastPrune = now;
    const removed = await this.options.state.pruneHistory(now - RESOLVED_HISTORY_MS);
    if (removed > 0) this.options.logger.info({ removed }, 'pruned resolved alert history');
  }

  private checkApiBody(body: unknown): RuleGroup {
    const { document, problems } = checkRulesDocument({ groups: [body] }, { kind: 'api' }, this.clock());
    const group = document?.groups[0];
    if (group) return group;
    throw rulesInvalidError(
      problems.map((p) => ({
        file: 'body',
        // The body is one group: drop the document's `groups[0]` from the path.
        field: fieldPath(p.path.slice(2)),
        reason: p.reason,
      })),
    );
  }

  private updateGauges(): void {
    this.options.metrics?.rules.set({ source: 'file' }, this.rules.ruleCount('file'));
    this.options.metrics?.rules.set({ source: 'api' }, this.rules.ruleCount('api'));
  }

  private async updateActiveGauge(): Promise<void> {
    const metrics = this.options.metrics;
    if (!metrics) return;
    const active = await this.options.state.activeAlerts();
    metrics.active.set({ state: 'pending' }, active.filter((a) => a.state === 'pending').length);
    metrics.active.set({ state: 'firing' }, active.filter((a) => a.state === 'firing').length);
  }
}
