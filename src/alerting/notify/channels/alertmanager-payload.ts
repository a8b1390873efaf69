import type { AlertInstance } from '../../alert.js';
import type { Notification } from '../notification.js';
import { commonPairs } from '../notification.js';

/** Go's zero time: what Alertmanager's webhook says as `endsAt` of an alert still firing. */
const ZERO_TIME = '0001-01-01T00:00:00Z';

/** An alert as Alertmanager's webhook receiver sends it (webhook payload version 4). */
export interface WebhookAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
  readonly fingerprint: string;
  /** Vantage's addition: the value that met the condition (null for a no-data alert). */
  readonly value: number | null;
}

/** The body of Alertmanager's webhook receiver, so that tools written for it read ours. */
export interface WebhookPayload {
  readonly version: '4';
  readonly groupKey: string;
  readonly truncatedAlerts: number;
  readonly status: 'firing' | 'resolved';
  readonly receiver: string;
  readonly groupLabels: Readonly<Record<string, string>>;
  readonly commonLabels: Readonly<Record<string, string>>;
  readonly commonAnnotations: Readonly<Record<string, string>>;
  readonly externalURL: string;
  readonly alerts: readonly WebhookAlert[];
}

function startsAt(a: AlertInstance): number {
  return a.firedAt ?? a.activeAt;
}

export function webhookPayload(n: Notification, externalUrl: string): WebhookPayload {
  const all = [...n.firing, ...n.resolved];
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: 0,
    status: n.status,
    receiver: n.notifier,
    groupLabels: n.groupLabels,
    commonLabels: commonPairs(all.map((a) => a.labels)),
    commonAnnotations: commonPairs(all.map((a) => a.annotations)),
    externalURL: externalUrl,
    alerts: all.map((a) => ({
      status: a.state === 'resolved' ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(startsAt(a)).toISOString(),
      endsAt: a.resolvedAt !== undefined ? new Date(a.resolvedAt).toISOString() : ZERO_TIME,
      generatorURL: generatorUrl(externalUrl, a),
      fingerprint: a.fingerprint,
      value: Number.isFinite(a.value) ? a.value : null,
    })),
  };
}

/** An alert as Alertmanager's `POST /api/v2/alerts` takes it (postableAlert). */
export interface PostableAlert {
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
  readonly startsAt: string;
  readonly endsAt: string;
  readonly generatorURL: string;
}

/**
 * The alerts for Alertmanager's API. A firing alert's `endsAt` lies `validForMs` ahead, as
 * Prometheus sets it (four resend intervals): Alertmanager resolves it by itself if Vantage stops
 * sending, and a resolved alert's `endsAt` is when it resolved.
 */
export function postableAlerts(n: Notification, externalUrl: string, validForMs: number): PostableAlert[] {
  return [...n.firing, ...n.resolved].map((a) => ({
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(startsAt(a)).toISOString(),
    endsAt: new Date(a.resolvedAt ?? n.at + validForMs).toISOString(),
    generatorURL: generatorUrl(externalUrl, a),
  }));
}

function generatorUrl(externalUrl: string, a: AlertInstance): string {
  if (externalUrl === '') return '';
  return `${externalUrl.replace(/\/$/, '')}/alerts?rule=${encodeURIComponent(a.rule)}`;
}
