import { VantageError, parseDuration } from '../../core/index.js';
import type { NotifierConfig } from '../alert.js';
import { AlertmanagerChannel } from './channels/alertmanager-channel.js';
import { EmailChannel } from './channels/email-channel.js';
import { SlackChannel } from './channels/slack-channel.js';
import { WebhookChannel } from './channels/webhook-channel.js';
import type { LabelTest } from './matchers.js';
import type { Channel } from './notification.js';

/** Where a notifier was declared: a rules file's `notifiers:`, the API, or `--alertmanager-url`. */
export type NotifierSource = 'file' | 'api' | 'settings';

/** When a group is sent, as Alertmanager's route options say it. */
export interface GroupTimings {
  readonly groupBy: readonly string[];
  readonly groupWaitMs: number;
  readonly groupIntervalMs: number;
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
}

/** Alertmanager's defaults: wait 30 s for a new group to fill, 5 min between updates, 4 h to repeat. */
export const DEFAULT_TIMINGS: GroupTimings = {
  groupBy: ['alertname'],
  groupWaitMs: 30_000,
  groupIntervalMs: 300_000,
  repeatIntervalMs: 4 * 3_600_000,
  sendResolved: true,
};

/**
 * An Alertmanager resolves an alert it stops hearing about, so Vantage resends firing alerts to
 * it every minute, as Prometheus does (its --rules.alert.resend-delay), and sends news at once:
 * Alertmanager groups, waits and repeats by its own routes.
 */
export const ALERTMANAGER_TIMINGS: GroupTimings = {
  groupBy: ['alertname'],
  groupWaitMs: 0,
  groupIntervalMs: 60_000,
  repeatIntervalMs: 60_000,
  sendResolved: true,
};

export interface Notifier {
  readonly config: NotifierConfig;
  readonly source: NotifierSource;
  readonly timings: GroupTimings;
  readonly matches: LabelTest;
  readonly channel: Channel;
}

export interface ChannelContext {
  /** Vantage's address as people reach it, for links in notifications; '' for none. */
  readonly externalUrl: string;
}

export function buildNotifier(config: NotifierConfig, source: NotifierSource, ctx: ChannelContext): Notifier {
  const base = config.type === 'alertmanager' ? ALERTMANAGER_TIMINGS : DEFAULT_TIMINGS;
  const ms = (text: string | undefined, fallback: number): number =>
    text === undefined ? fallback : (parseDuration(text) ?? fallback);
  const timings: GroupTimings = {
    groupBy: config.group_by ?? base.groupBy,
    groupWaitMs: ms(config.group_wait, base.groupWaitMs),
    groupIntervalMs: Math.max(1_000, ms(config.group_interval, base.groupIntervalMs)),
    repeatIntervalMs: ms(config.repeat_interval, base.repeatIntervalMs),
    sendResolved: config.send_resolved ?? base.sendResolved,
  };
  const match = Object.entries(config.match ?? {});
  return {
    config,
    source,
    timings,
    matches: (labels) => match.every(([k, v]) => labels[k] === v),
    channel: buildChannel(config, timings, ctx),
  };
}

function buildChannel(config: NotifierConfig, timings: GroupTimings, ctx: ChannelContext): Channel {
  switch (config.type) {
    case 'webhook':
      return new WebhookChannel({
        url: config.url,
        externalUrl: ctx.externalUrl,
        ...(config.secret !== undefined ? { secret: config.secret } : {}),
      });
    case 'alertmanager':
      return new AlertmanagerChannel({
        urls: config.urls,
        externalUrl: ctx.externalUrl,
        validForMs: 4 * Math.max(timings.repeatIntervalMs, timings.groupIntervalMs),
      });
    case 'slack':
      return new SlackChannel({
        url: config.url,
        ...(config.channel !== undefined ? { channel: config.channel } : {}),
      });
    case 'email':
      return new EmailChannel({ to: config.to, from: config.from, smtp: config.smtp });
  }
}

/** Shown in place of a secret. */
export const REDACTED = '***';

/**
 * A notifier's config as the API shows it: the webhook secret, the SMTP password and the Slack
 * URL (its path is the credential) replaced, so that reading a notifier never reveals them.
 */
export function redactNotifier(config: NotifierConfig): NotifierConfig {
  switch (config.type) {
    case 'webhook':
      return config.secret === undefined ? config : { ...config, secret: REDACTED };
    case 'slack':
      return { ...config, url: `${new URL(config.url).origin}/${REDACTED}` };
    case 'email':
      return config.smtp.password === undefined
        ? config
        : { ...config, smtp: { ...config.smtp, password: REDACTED } };
    case 'alertmanager':
      return config;
  }
}

/** Closes what a channel holds open (the SMTP transport's pooled connections). */
export function closeNotifier(n: Notifier): void {
  if (n.channel instanceof EmailChannel) n.channel.close();
}

/** The coded refusal of a notifier the API may not change. */
export function readOnlyNotifier(name: string, source: NotifierSource): VantageError {
  const where = source === 'file' ? 'a rules file' : '--alertmanager-url';
  return new VantageError('VTG_NOTIFY_NOTIFIER_READ_ONLY', { params: { name, where }, field: 'name' });
}
