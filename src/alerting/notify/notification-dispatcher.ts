import type { Logger } from 'pino';
import type { AlertInstance, AlertSink } from '../alert.js';
import type { Notifier } from './notifier-registry.js';
import type { Notification } from './notification.js';
import type { NotifyMetrics } from './notify-metrics.js';
import type { NotificationLogEntry, NotifyStore } from './notify-store.js';
import type { NotificationSender } from './notification-sender.js';
import type { SilenceBook } from './silence-book.js';

/**
 * A firing alert the ruler stops handing over (its rule deleted, the ruler moved) counts as
 * resolved after this long, as Alertmanager's resolve_timeout: the ruler hands every firing
 * alert over at each evaluation, so only a rule evaluated less often than this could be cut short.
 */
export const RESOLVE_TIMEOUT_MS = 5 * 60_000;

interface HeldAlert {
  alert: AlertInstance;
  lastSeen: number;
}

/** One notifier's alerts that share the values of its `group_by` labels. */
interface Group {
  readonly notifier: string;
  readonly key: string;
  readonly labels: Record<string, string>;
  readonly alerts: Map<string, HeldAlert>;
  nextFlushAt: number;
  /** A notification of this group is queued or in delivery: the next waits for its outcome. */
  inFlight: boolean;
}

export interface DispatcherOptions {
  readonly store: NotifyStore;
  readonly sender: NotificationSender;
  readonly silences: SilenceBook;
  readonly metrics: NotifyMetrics;
  readonly logger: Logger;
  /** The notifiers in force now (they change when a rules file or the API changes them). */
  readonly notifiers: () => readonly Notifier[];
  readonly log: readonly NotificationLogEntry[];
}

/**
 * The AlertSink: routes each alert to the notifiers whose `match` holds, groups it by their
 * `group_by` labels and sends each group after `group_wait`, then at most every `group_interval`
 * when it changed, and again after `repeat_interval`. What was sent is logged per (notifier, group)
 * in the store before the next decision reads it, so a restarted dispatcher, handed the same
 * firing alerts again, sends nothing until something changed or the repeat interval passed.
 */
export class NotificationDispatcher implements AlertSink {
  private readonly groups = new Map<string, Group>();
  private readonly log = new Map<string, NotificationLogEntry>();

  constructor(private readonly options: DispatcherOptions) {
    this.replaceLog(options.log);
  }

  /** The notification log as the store holds it now (another process may have written it). */
  replaceLog(entries: readonly NotificationLogEntry[]): void {
    this.log.clear();
    for (const e of entries) this.log.set(logKey(e.notifier, e.groupKey), e);
  }

  deliver(alerts: readonly AlertInstance[], at: number): void {
    try {
      const notifiers = this.options.notifiers();
      for (const alert of alerts) {
        // Pending alerts are the ruler's business until their `for` has passed.
        if (alert.state === 'pending') continue;
        for (const n of notifiers) if (n.matches(alert.labels)) this.hold(n, alert, at);
      }
    } catch (err) {
      // The ruler's loop must go on whatever happens here (AlertSink's contract).
      this.options.logger.error({ err }, 'could not take alerts for notification');
    }
  }

  /** Sends every group whose time has come; the timer calls it, a test may call it with its clock. */
  flushDue(now: number): void {
    const notifiers = new Map(this.options.notifiers().map((n) => [n.config.name, n]));
    for (const [id, group] of this.groups) {
      const notifier = notifiers.get(group.notifier);
      if (notifier === undefined) {
        this.groups.delete(id);
        continue;
      }
      if (group.nextFlushAt > now || group.inFlight) continue;
      group.nextFlushAt = now + notifier.timings.groupIntervalMs;
      this.flush(notifier, group, now);
      if (group.alerts.size === 0 && !group.inFlight) this.groups.delete(id);
    }
  }

  /** Groups held now: alerts waiting for a first notification or still firing. */
  get groupCount(): number {
    return this.groups.size;
  }

  private hold(n: Notifier, alert: AlertInstance, at: number): void {
    const labels: Record<string, string> = {};
    for (const name of n.timings.groupBy) labels[name] = alert.labels[name] ?? '';
    const key = `{${Object.entries(labels)
      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
      .join(',')}}`;
    const id = logKey(n.config.name, key);
    let group = this.groups.get(id);
    if (group === undefined) {
      group = {
        notifier: n.config.name,
        key,
        labels,
        alerts: new Map(),
        nextFlushAt: at + n.timings.groupWaitMs,
        inFlight: false,
      };
      this.groups.set(id, group);
    }
    const held = group.alerts.get(alert.fingerprint);
    // A resolution is final for this firing: a late copy of the firing alert does not undo it.
    if (
      held !== undefined &&
      held.alert.state === 'resolved' &&
      alert.state !== 'resolved' &&
      alert.activeAt <= (held.alert.resolvedAt ?? 0)
    )
      return;
    group.alerts.set(alert.fingerprint, { alert, lastSeen: at });
  }

  private flush(notifier: Notifier, group: Group, now: number): void {
    const { silences, metrics } = this.options;
    const timings = notifier.timings;
    for (const [fp, held] of group.alerts)
      if (held.alert.state !== 'resolved' && now - held.lastSeen > RESOLVE_TIMEOUT_MS) {
        const resolvedAt = held.lastSeen + RESOLVE_TIMEOUT_MS;
        group.alerts.set(fp, {
          alert: { ...held.alert, state: 'resolved', resolvedAt },
          lastSeen: held.lastSeen,
        });
      }
    const firing: AlertInstance[] = [];
    const resolved: AlertInstance[] = [];
    for (const { alert } of group.alerts.values()) {
      if (silences.silenced(alert.labels, now)) {
        metrics.silenced.inc();
        continue;
      }
      if (alert.state === 'resolved') resolved.push(alert);
      else if (alert.state === 'firing') firing.push(alert);
    }
    const sentResolved = timings.sendResolved ? resolved : [];
    const entry = this.log.get(logKey(notifier.config.name, group.key));
    const resolvedSnapshot = new Set(resolved.map((a) => a.fingerprint));
    const forget = (): void => {
      // Resolved alerts go once they were told (or need not be); a newer copy stays.
      for (const fp of resolvedSnapshot)
        if (group.alerts.get(fp)?.alert.state === 'resolved') group.alerts.delete(fp);
    };
    const logged: NotificationLogEntry = {
      notifier: notifier.config.name,
      groupKey: group.key,
      firing: fingerprints(firing),
      resolved: fingerprints(sentResolved),
      sentAt: now,
    };
    if (!needsUpdate(entry, firing, sentResolved, timings.repeatIntervalMs, now)) return forget();
    if (firing.length === 0 && sentResolved.length === 0) {
      // All resolved and the notifier does not want to hear it: remember that nothing fires, so a
      // new firing is news again.
      void this.saveLog(logged);
      return forget();
    }
    const notification: Notification = {
      notifier: notifier.config.name,
      groupKey: group.key,
      groupLabels: group.labels,
      status: firing.length > 0 ? 'firing' : 'resolved',
      firing,
      resolved: sentResolved,
      at: now,
    };
    group.inFlight = true;
    this.options.sender.submit({
      notifier,
      notification,
      onSent: async () => {
        await this.saveLog(logged);
        forget();
      },
      onSettled: () => {
        group.inFlight = false;
        const id = logKey(group.notifier, group.key);
        if (group.alerts.size === 0 && this.groups.get(id) === group) this.groups.delete(id);
      },
    });
  }

  private async saveLog(entry: NotificationLogEntry): Promise<void> {
    this.log.set(logKey(entry.notifier, entry.groupKey), entry);
    try {
      await this.options.store.saveNotificationLog(entry);
    } catch (err) {
      this.options.logger.error({ err }, 'could not save the notification log');
    }
  }
}

/**
 * Alertmanager's rule (notify.go, needsUpdate): a group is sent when it fires alerts not sent
 * before, when every alert sent as firing has resolved, when it has resolutions not sent before
 * (only counted when the notifier sends them), or when the repeat interval has passed.
 */
export function needsUpdate(
  entry: NotificationLogEntry | undefined,
  firing: readonly AlertInstance[],
  resolved: readonly AlertInstance[],
  repeatIntervalMs: number,
  now: number,
): boolean {
  if (entry === undefined) return firing.length > 0;
  const sentFiring = new Set(entry.firing);
  if (firing.some((a) => !sentFiring.has(a.fingerprint))) return true;
  if (firing.length === 0) {
    // Fired and resolved between two notifications: the receiver never heard of them.
    if (entry.firing.length === 0) return false;
    return true;
  }
  const sentResolved = new Set(entry.resolved);
  if (resolved.some((a) => !sentResolved.has(a.fingerprint))) return true;
  return now - entry.sentAt >= repeatIntervalMs;
}

function fingerprints(alerts: readonly AlertInstance[]): string[] {
  return alerts.map((a) => a.fingerprint).sort();
}

function logKey(notifier: string, groupKey: string): string {
  return `${notifier}\u0000${groupKey}`;
}
