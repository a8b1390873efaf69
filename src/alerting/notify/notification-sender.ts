import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import { retryWithBackoff } from '../../core/index.js';
import type { BackoffPolicy } from '../../core/index.js';
import type { Notifier } from './notifier-registry.js';
import type { Notification } from './notification.js';
import type { NotifyMetrics } from './notify-metrics.js';
import type { NotificationRecord, NotifyStore } from './notify-store.js';

/**
 * Retries of one notification: 1 s, 2 s, 4 s ... (jittered), six attempts in all, about a minute.
 * A notification still failing then is recorded as failed; its group is tried again at its next
 * group interval, since the notification log does not say it was sent.
 */
export const NOTIFY_BACKOFF: BackoffPolicy = {
  initialDelayMs: 1_000,
  maxDelayMs: 30_000,
  maxAttempts: 6,
  jitter: 0.2,
};

export interface SenderOptions {
  readonly store: NotifyStore;
  readonly metrics: NotifyMetrics;
  readonly logger: Logger;
  /** Notifications waiting or in delivery, past which new ones are refused and recorded as failed. */
  readonly maxPending: number;
  /** Deliveries at once. */
  readonly concurrency: number;
  readonly backoff: BackoffPolicy;
  readonly clock: () => number;
}

export interface SendJob {
  readonly notifier: Notifier;
  readonly notification: Notification;
  /** After the channel accepted it: log it as sent. */
  readonly onSent: () => Promise<void>;
  /** Whatever the outcome, once it is final. */
  readonly onSettled: () => void;
}

/**
 * The queue between the dispatcher's groups and the channels: bounded, a few deliveries at a time,
 * each through the one retry wrapper; every final outcome recorded in the store and counted.
 */
export class NotificationSender {
  private readonly waiting: SendJob[] = [];
  private running = 0;
  private readonly abort = new AbortController();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly options: SenderOptions) {}

  get pending(): number {
    return this.waiting.length + this.running;
  }

  /** Queues a job; false (and a failed record) when the queue is full or closed. */
  submit(job: SendJob): boolean {
    if (this.abort.signal.aborted || this.pending >= this.options.maxPending) {
      this.options.metrics.refused.inc({ reason: 'queue_full' });
      this.options.metrics.failed.inc({ channel: job.notifier.channel.kind });
      void this.record(job, 'failed', 0, {
        error: `the notification queue holds its limit of ${this.options.maxPending}`,
        code: 'VTG_NOTIFY_QUEUE_FULL',
      }).finally(job.onSettled);
      return false;
    }
    this.waiting.push(job);
    this.updateGauge();
    this.pump();
    return true;
  }

  /** Resolves once nothing waits nor is in delivery. */
  idle(): Promise<void> {
    if (this.pending === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Stops the retries' waits (each delivery makes one last attempt) and waits for the rest. */
  async close(): Promise<void> {
    this.abort.abort();
    await this.idle();
  }

  private pump(): void {
    while (this.running < this.options.concurrency) {
      const job = this.waiting.shift();
      if (job === undefined) break;
      this.running += 1;
      void this.run(job).finally(() => {
        this.running -= 1;
        this.updateGauge();
        job.onSettled();
        this.pump();
        if (this.pending === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
    }
  }

  private async run(job: SendJob): Promise<void> {
    const { metrics, logger } = this.options;
    const channel = job.notifier.channel.kind;
    const started = performance.now();
    let attempts = 0;
    const outcome = await retryWithBackoff(
      () => {
        attempts += 1;
        return job.notifier.channel.send(job.notification, this.abort.signal);
      },
      this.options.backoff,
      {
        signal: this.abort.signal,
        onRetry: (error, attempt, delayMs) => {
          metrics.retries.inc({ channel });
          logger.warn(
            { notifier: job.notifier.config.name, attempt, delayMs, err: error.message },
            'notification failed; retrying',
          );
        },
      },
    );
    metrics.deliveryDuration.observe({ channel }, (performance.now() - started) / 1000);
    if (outcome.kind === 'ok') {
      metrics.sent.inc({ channel });
      await this.safely(job.onSent);
      await this.record(job, 'sent', attempts);
      return;
    }
    metrics.failed.inc({ channel });
    logger.error(
      {
        notifier: job.notifier.config.name,
        group: job.notification.groupKey,
        attempts,
        err: outcome.error.message,
      },
      'notification failed',
    );
    await this.record(job, 'failed', attempts, { error: outcome.error.message });
  }

  private async record(
    job: SendJob,
    state: NotificationRecord['state'],
    attempts: number,
    problem: { error?: string; code?: string } = {},
  ): Promise<void> {
    const n = job.notification;
    await this.safely(() =>
      this.options.store.recordNotification({
        id: randomUUID(),
        at: this.options.clock(),
        notifier: n.notifier,
        channel: job.notifier.channel.kind,
        groupKey: n.groupKey,
        status: n.status,
        alerts: n.firing.length + n.resolved.length,
        state,
        attempts,
        ...problem,
      }),
    );
  }

  /** The store failing must not stop deliveries: it is logged, the metrics still count. */
  private async safely(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.options.logger.error({ err }, 'could not record a notification in the alerting store');
    }
  }

  private updateGauge(): void {
    this.options.metrics.queueSize.set(this.pending);
  }
}
