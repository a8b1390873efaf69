import { z } from 'zod';

/**
 * The seam between the ruler (rules, evaluation, alert state: src/alerting/rules, .../ruler) and
 * the notification side (grouping, silences, channels: src/alerting/notify). The ruler hands the
 * notification side every firing alert and every alert resolved since the last cycle, after each
 * evaluation of a rule group, as Prometheus hands Alertmanager its alerts.
 */

export type AlertState = 'pending' | 'firing' | 'resolved';

export interface AlertInstance {
  /** The rule's `alert:` name; also in labels as `alertname`. */
  readonly rule: string;
  /** The rule group's name. */
  readonly group: string;
  /** Stable id of (rule, labels): the key of the instance's state and history. */
  readonly fingerprint: string;
  /** The row's group columns, the rule's labels and `alertname`. */
  readonly labels: Readonly<Record<string, string>>;
  /** Templates filled with $labels and $value. */
  readonly annotations: Readonly<Record<string, string>>;
  readonly state: AlertState;
  /** The last column of the row that met the condition (NaN for a no-data alert). */
  readonly value: number;
  /** Epoch ms: first seen meeting the condition (the `for` timer starts here). */
  readonly activeAt: number;
  /** Epoch ms: went from pending to firing. */
  readonly firedAt?: number;
  /** Epoch ms: resolved. */
  readonly resolvedAt?: number;
}

/** The notification side, as the ruler sees it. */
export interface AlertSink {
  /**
   * Called after each evaluation of a rule group at `at` (epoch ms) with the group's firing alerts
   * and the ones resolved in that evaluation. Must not throw: delivery, retries and their failures
   * are the sink's business, recorded where operators can see them.
   */
  deliver(alerts: readonly AlertInstance[], at: number): void;
}

const duration = z.string().regex(/^\d+(ms|s|m|h|d)$/, 'a duration such as 30s, 5m or 1h');
const labelMap = z.record(z.string(), z.string());

const notifierBase = {
  name: z.string().min(1),
  /** Which alerts go to this notifier: label equality, all must hold; absent = every alert. */
  match: labelMap.optional(),
  group_by: z.array(z.string()).optional(),
  group_wait: duration.optional(),
  group_interval: duration.optional(),
  repeat_interval: duration.optional(),
  send_resolved: z.boolean().optional(),
};

/**
 * The `notifiers:` section of a rules file (and the body of PUT /v1/notifiers/{name}). The ruler's
 * loader validates a file's `notifiers:` with this schema, the notification side builds channels
 * from it. Secrets (webhook `secret`, SMTP `password`, Slack URLs) are never echoed back.
 */
export const notifierConfigSchema = z.discriminatedUnion('type', [
  z
    .object({ ...notifierBase, type: z.literal('webhook'), url: z.url(), secret: z.string().optional() })
    .strict(),
  z.object({ ...notifierBase, type: z.literal('alertmanager'), urls: z.array(z.url()).min(1) }).strict(),
  z
    .object({ ...notifierBase, type: z.literal('slack'), url: z.url(), channel: z.string().optional() })
    .strict(),
  z
    .object({
      ...notifierBase,
      type: z.literal('email'),
      to: z.array(z.email()).min(1),
      from: z.email(),
      smtp: z
        .object({
          host: z.string().min(1),
          port: z.number().int().min(1).max(65535),
          secure: z.boolean().optional(),
          user: z.string().optional(),
          password: z.string().optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type NotifierConfig = z.infer<typeof notifierConfigSchema>;
export const notifiersSectionSchema = z.array(notifierConfigSchema);
