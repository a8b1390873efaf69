import { z } from 'zod';
import { isHttpUrl, limitCountSchema, listSchema } from '../../config/setting-spec.js';
import type { SettingSpec } from '../../config/setting-spec.js';
import type { NotifyLimits } from './notification-service.js';

/**
 * Settings of notifications, shared by `vantage start` and `vantage api` (docs/alerting.md,
 * "Notifications"; the limits in docs/operations.md).
 */
export const NOTIFY_SETTINGS = {
  alertmanagerUrl: {
    flag: '--alertmanager-url',
    env: 'VANTAGE_ALERTMANAGER_URL',
    default: '',
    schema: listSchema.pipe(
      z.array(z.string().refine(isHttpUrl, { message: 'each Alertmanager must be an http(s) URL' })),
    ),
    description:
      'Comma-separated Alertmanager URLs that receive every alert (POST /api/v2/alerts), with no rules-file notifier needed',
  },
  externalUrl: {
    flag: '--external-url',
    env: 'VANTAGE_EXTERNAL_URL',
    default: '',
    schema: z.string().refine((v) => v === '' || isHttpUrl(v), { message: 'must be an http(s) URL' }),
    description:
      "The dashboard's URL as users reach it (behind a proxy, its public one); notifications link their alerts to it",
  },
  alertMaxSilences: {
    flag: '--alert-max-silences',
    env: 'VANTAGE_ALERT_MAX_SILENCES',
    default: '1000',
    schema: limitCountSchema,
    description: 'Silences in force or pending at once; past it POST /v1/silences answers 422',
  },
  alertMaxNotifiers: {
    flag: '--alert-max-notifiers',
    env: 'VANTAGE_ALERT_MAX_NOTIFIERS',
    default: '100',
    schema: limitCountSchema,
    description: 'Notifiers from rules files, the API and --alertmanager-url together',
  },
  alertNotifyQueueMax: {
    flag: '--alert-notify-queue-max',
    env: 'VANTAGE_ALERT_NOTIFY_QUEUE_MAX',
    default: '1000',
    schema: limitCountSchema,
    description: 'Notifications waiting for or in delivery; past it new ones are recorded as failed',
  },
} as const satisfies Record<string, SettingSpec>;

export interface NotifySettings {
  readonly alertmanagerUrls: readonly string[];
  /** Where `generatorURL` and the webhook's `externalURL` point; '' leaves them empty. */
  readonly externalUrl: string;
  readonly limits: NotifyLimits;
}

/** The notification side as the parsed settings describe it. */
export function notifySettings(values: {
  readonly alertmanagerUrl: readonly string[];
  readonly externalUrl: string;
  readonly alertMaxSilences: number;
  readonly alertMaxNotifiers: number;
  readonly alertNotifyQueueMax: number;
}): NotifySettings {
  return {
    alertmanagerUrls: values.alertmanagerUrl,
    externalUrl: values.externalUrl,
    limits: {
      maxSilences: values.alertMaxSilences,
      maxNotifiers: values.alertMaxNotifiers,
      queueMax: values.alertNotifyQueueMax,
    },
  };
}
