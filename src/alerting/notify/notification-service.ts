import type { Logger } from 'pino';
import { VantageError } from '../../core/index.js';
import type { BackoffPolicy } from '../../core/index.js';
import type { AlertInstance, AlertSink, NotifierConfig } from '../alert.js';
import { NotificationDispatcher } from './notification-dispatcher.js';
import { NOTIFY_BACKOFF, NotificationSender } from './notification-sender.js';
import { buildNotifier, closeNotifier, readOnlyNotifier, redactNotifier } from './notifier-registry.js';
import type { Notifier, NotifierSource } from './notifier-registry.js';
import type { NotifyMetrics } from './notify-metrics.js';
import type { NotificationQuery, NotificationRecord, NotifyStore } from './notify-store.js';
import { SilenceBook } from './silence-book.js';

/** The name of the notifier `--alertmanager-url` declares. */
export const SETTINGS_ALERTMANAGER_NOTIFIER = 'alertmanager-url';

export interface NotifyLimits {
  readonly maxSilences: number;
  readonly maxNotifiers: number;
  readonly queueMax: number;
}

export interface NotificationServiceOptions {
  readonly store: NotifyStore;
  readonly metrics: NotifyMetrics;
  readonly logger: Logger;
  readonly limits: NotifyLimits;
  /** `--alertmanager-url`: every alert goes there, whatever the rules files say. */
  readonly alertmanagerUrls: readonly string[];
  /** Vantage's address for links in notifications; '' for none. */
  readonly externalUrl: string;
  readonly clock?: () => number;
  readonly backoff?: BackoffPolicy;
  /** How often due groups are sent; 1 s. */
  readonly tickMs?: number;
  /** close() closes the store too (it was opened for this service alone). */
  readonly closeStore?: boolean;
  /**
   * Distributed: how often silences and notifiers are read again from the store, which every
   * API process writes through its routes; absent: never (one process owns the store).
   */
  readonly reloadEveryMs?: number;
}

export interface NotifierView {
  readonly source: NotifierSource;
  /** Secrets replaced by `***`. */
  readonly config: NotifierConfig;
}

/**
 * The notification side as the rest of Vantage sees it: the AlertSink the ruler hands alerts to,
 * the notifiers of rules files, the API and the settings, silences, and the record of what was sent.
 */
export class NotificationService implements AlertSink {
  private readonly fromFiles = new Map<string, Notifier>();
  private readonly fromApi = new Map<string, Notifier>();
  private readonly fromSettings = new Map<string, Notifier>();
  private active: Notifier[] = [];
  private timer: NodeJS.Timeout | undefined;
  private reloadTimer: NodeJS.Timeout | undefined;
  private readonly clock: () => number;

  private constructor(
    private readonly options: NotificationServiceOptions,
    readonly silences: SilenceBook,
    private readonly sender: NotificationSender,
    private dispatcher: NotificationDispatcher | undefined,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  static async open(options: NotificationServiceOptions): Promise<NotificationService> {
    const clock = options.clock ?? Date.now;
    const { store, metrics, logger, limits } = options;
    const silences = await SilenceBook.open(store, limits.maxSilences, clock());
    const sender = new NotificationSender({
      store,
      metrics,
      logger,
      maxPending: limits.queueMax,
      concurrency: 4,
      backoff: options.backoff ?? NOTIFY_BACKOFF,
      clock,
    });
    const service = new NotificationService(options, silences, sender, undefined);
    const ctx = { externalUrl: options.externalUrl };
    if (options.alertmanagerUrls.length > 0) {
      const config: NotifierConfig = {
        name: SETTINGS_ALERTMANAGER_NOTIFIER,
        type: 'alertmanager',
        urls: [...options.alertmanagerUrls],
      };
      service.fromSettings.set(config.name, buildNotifier(config, 'settings', ctx));
    }
    for (const config of await store.notifiers())
      service.fromApi.set(config.name, buildNotifier(config, 'api', ctx));
    service.dispatcher = new NotificationDispatcher({
      store,
      sender,
      silences,
      metrics,
      logger,
      notifiers: () => service.active,
      log: await store.notificationLog(),
    });
    service.refresh();
    // Silences kept from before a restart count from the start, not from the timer's first tick.
    metrics.activeSilences.set(silences.unexpired(clock()));
    return service;
  }

  deliver(alerts: readonly AlertInstance[], at: number): void {
    this.dispatcher?.deliver(alerts, at);
  }

  /** Sends the groups whose time has come; the timer of start() calls it every second. */
  flushDue(now = this.clock()): void {
    this.dispatcher?.flushDue(now);
    this.options.metrics.activeSilences.set(this.silences.unexpired(now));
  }

  start(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => this.flushDue(), this.options.tickMs ?? 1_000);
    this.timer.unref();
    const every = this.options.reloadEveryMs;
    if (every !== undefined) {
      this.reloadTimer = setInterval(() => {
        this.reloadShared().catch((err: unknown) =>
          this.options.logger.warn({ err }, 'could not read silences and notifiers again'),
        );
      }, every);
      this.reloadTimer.unref();
    }
  }

  /**
   * Reads everything again from the store, the notification log included. Distributed: the ruler
   * calls it when this process becomes the one that evaluates, so it knows what the previous one
   * sent and does not send it again before its repeat interval.
   */
  async reload(): Promise<void> {
    await this.reloadShared();
    this.dispatcher?.replaceLog(await this.options.store.notificationLog());
  }

  private async reloadShared(): Promise<void> {
    await this.silences.reload(this.clock());
    const configs = await this.options.store.notifiers();
    for (const n of this.fromApi.values()) closeNotifier(n);
    this.fromApi.clear();
    const ctx = { externalUrl: this.options.externalUrl };
    for (const config of configs) this.fromApi.set(config.name, buildNotifier(config, 'api', ctx));
    this.refresh();
  }

  /** Resolves once every notification queued so far has its final outcome. */
  idle(): Promise<void> {
    return this.sender.idle();
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    if (this.reloadTimer !== undefined) clearInterval(this.reloadTimer);
    await this.sender.close();
    for (const n of this.all()) closeNotifier(n);
    if (this.options.closeStore === true) await this.options.store.close();
  }

  /**
   * The notifiers of the rules files, replacing those of the previous call: the ruler's loader
   * calls it with every file's `notifiers:` (validated by notifierConfigSchema). Throws a coded
   * VantageError (a name given twice, or past --alert-max-notifiers) and keeps the notifiers in
   * force, so that the loader refuses the files as it refuses a bad rule.
   */
  setFileNotifiers(configs: readonly NotifierConfig[]): void {
    const names = new Set<string>();
    for (const [i, c] of configs.entries()) {
      if (names.has(c.name) || this.fromSettings.has(c.name))
        throw new VantageError('VTG_NOTIFY_NOTIFIER_INVALID', {
          params: { reason: `the name ${c.name} is taken by another notifier` },
          field: `notifiers[${i}].name`,
        });
      names.add(c.name);
    }
    const apiKept = [...this.fromApi.keys()].filter((n) => !names.has(n)).length;
    if (names.size + apiKept + this.fromSettings.size > this.options.limits.maxNotifiers)
      throw new VantageError('VTG_NOTIFY_NOTIFIER_LIMIT', {
        params: { limit: this.options.limits.maxNotifiers },
      });
    for (const n of this.fromFiles.values()) closeNotifier(n);
    this.fromFiles.clear();
    const ctx = { externalUrl: this.options.externalUrl };
    for (const c of configs) this.fromFiles.set(c.name, buildNotifier(c, 'file', ctx));
    this.refresh();
  }

  /** Every notifier, secrets redacted. */
  notifiers(): NotifierView[] {
    return this.active
      .map((n) => ({ source: n.source, config: redactNotifier(n.config) }))
      .sort((a, b) => a.config.name.localeCompare(b.config.name));
  }

  notifier(name: string): NotifierView {
    const n = this.active.find((x) => x.config.name === name);
    if (n === undefined)
      throw new VantageError('VTG_NOTIFY_NOTIFIER_NOT_FOUND', { params: { name }, field: 'name' });
    return { source: n.source, config: redactNotifier(n.config) };
  }

  /** Adds or replaces a notifier of the API's; true when it is new. */
  async putNotifier(config: NotifierConfig): Promise<boolean> {
    this.refuseReadOnly(config.name);
    const created = !this.fromApi.has(config.name);
    if (created && this.active.length >= this.options.limits.maxNotifiers)
      throw new VantageError('VTG_NOTIFY_NOTIFIER_LIMIT', {
        params: { limit: this.options.limits.maxNotifiers },
      });
    await this.options.store.saveNotifier(config);
    const old = this.fromApi.get(config.name);
    if (old !== undefined) closeNotifier(old);
    this.fromApi.set(config.name, buildNotifier(config, 'api', { externalUrl: this.options.externalUrl }));
    this.refresh();
    return created;
  }

  async deleteNotifier(name: string): Promise<void> {
    this.refuseReadOnly(name);
    const old = this.fromApi.get(name);
    if (old === undefined)
      throw new VantageError('VTG_NOTIFY_NOTIFIER_NOT_FOUND', { params: { name }, field: 'name' });
    await this.options.store.deleteNotifier(name);
    closeNotifier(old);
    this.fromApi.delete(name);
    this.refresh();
  }

  notifications(query: NotificationQuery): Promise<NotificationRecord[]> {
    return this.options.store.notifications(query);
  }

  /** Whether a silence is in force for `labels` now (the dashboard's "silenced" mark). */
  silenced(labels: Readonly<Record<string, string>>): boolean {
    return this.silences.silenced(labels, this.clock());
  }

  now(): number {
    return this.clock();
  }

  private refuseReadOnly(name: string): void {
    const fixed = this.fromFiles.get(name) ?? this.fromSettings.get(name);
    if (fixed !== undefined) throw readOnlyNotifier(name, fixed.source);
  }

  private all(): Notifier[] {
    // A rules file's notifier hides an API notifier of the same name until the file drops it.
    const api = [...this.fromApi.values()].filter((n) => !this.fromFiles.has(n.config.name));
    return [...this.fromSettings.values(), ...api, ...this.fromFiles.values()];
  }

  private refresh(): void {
    this.active = this.all();
    this.options.metrics.notifiers.set(this.active.length);
  }
}
