import type { NotifierConfig } from '../alert.js';
import type { Silence } from './silence.js';

/**
 * What was last sent to one notifier for one group: a restarted dispatcher reads it back, so it
 * sends a group again only when its alerts changed or its repeat interval has passed.
 */
export interface NotificationLogEntry {
  readonly notifier: string;
  readonly groupKey: string;
  /** Fingerprints of the firing alerts sent, sorted. */
  readonly firing: readonly string[];
  /** Fingerprints of the resolved alerts sent, sorted. */
  readonly resolved: readonly string[];
  /** Epoch ms. */
  readonly sentAt: number;
}

export type NotificationOutcomeState = 'sent' | 'failed';

/** One notification handed to a channel, kept so that a failure is seen, never dropped silently. */
export interface NotificationRecord {
  readonly id: string;
  readonly at: number;
  readonly notifier: string;
  readonly channel: string;
  readonly groupKey: string;
  readonly status: 'firing' | 'resolved';
  readonly alerts: number;
  readonly state: NotificationOutcomeState;
  readonly attempts: number;
  /** Why it failed: the last attempt's error. */
  readonly error?: string;
  /** A catalog code when Vantage itself refused it (a full queue). */
  readonly code?: string;
}

export interface NotificationQuery {
  readonly state?: NotificationOutcomeState;
  readonly notifier?: string;
  readonly limit: number;
}

/**
 * The notification side's durable state. Embedded: tables `notify_*` in `<data-dir>/alerting.db`
 * (SqliteNotifyStore); only one dispatcher writes it at a time.
 */
export interface NotifyStore {
  notificationLog(): Promise<NotificationLogEntry[]>;
  saveNotificationLog(entry: NotificationLogEntry): Promise<void>;
  silences(): Promise<Silence[]>;
  saveSilence(silence: Silence): Promise<void>;
  /** Forgets silences that ended before `before` (epoch ms). */
  pruneSilences(before: number): Promise<void>;
  /** Notifiers added through the API (those of rules files live in the files). */
  notifiers(): Promise<NotifierConfig[]>;
  saveNotifier(config: NotifierConfig): Promise<void>;
  deleteNotifier(name: string): Promise<void>;
  recordNotification(record: NotificationRecord): Promise<void>;
  /** Newest first. */
  notifications(query: NotificationQuery): Promise<NotificationRecord[]>;
  close(): Promise<void>;
}
