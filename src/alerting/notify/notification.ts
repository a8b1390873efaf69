import type { Outcome } from '../../core/index.js';
import type { AlertInstance } from '../alert.js';

/** One group's alerts handed to one notifier, as Alertmanager hands a receiver a group. */
export interface Notification {
  readonly notifier: string;
  readonly groupKey: string;
  /** The values of the notifier's `group_by` labels that make this group. */
  readonly groupLabels: Readonly<Record<string, string>>;
  /** `firing` when any alert in it fires. */
  readonly status: 'firing' | 'resolved';
  readonly firing: readonly AlertInstance[];
  readonly resolved: readonly AlertInstance[];
  /** Epoch ms. */
  readonly at: number;
}

/** A way to reach people. One attempt: the dispatcher's retry wrapper decides on the next. */
export interface Channel {
  /** `webhook`, `alertmanager`, `slack`, `email`: the `channel` label of the metrics. */
  readonly kind: string;
  send(notification: Notification, signal: AbortSignal): Promise<Outcome<void>>;
}

/** Labels and annotations every alert in the list shares, as Alertmanager's commonLabels. */
export function commonPairs(maps: readonly Readonly<Record<string, string>>[]): Record<string, string> {
  const [first, ...rest] = maps;
  if (first === undefined) return {};
  return Object.fromEntries(Object.entries(first).filter(([k, v]) => rest.every((m) => m[k] === v)));
}

/** A one-line title: `[FIRING:2] CheckoutLatencyHigh service_name=checkout`. */
export function notificationTitle(n: Notification): string {
  const count = n.status === 'firing' ? n.firing.length : n.resolved.length;
  const alertnames = [...new Set([...n.firing, ...n.resolved].map((a) => a.rule))].join(', ');
  const group = Object.entries(n.groupLabels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return `[${n.status.toUpperCase()}:${count}] ${alertnames}${group ? ` ${group}` : ''}`;
}

/** One line per alert, for text channels (Slack, email). */
export function alertLines(n: Notification): string[] {
  const line = (a: AlertInstance): string => {
    const summary = a.annotations['summary'] ?? a.annotations['description'] ?? '';
    const labels = Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    const value = Number.isFinite(a.value) ? ` value=${a.value}` : '';
    return `${a.state === 'resolved' ? 'RESOLVED' : 'FIRING'} ${a.rule}${value} {${labels}}${summary ? `: ${summary}` : ''}`;
  };
  return [...n.firing.map(line), ...n.resolved.map(line)];
}
