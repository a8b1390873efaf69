import type { Logger } from 'pino';
import type { AlertInstance, AlertSink } from './alert.js';

/**
 * One warn line per alert that started firing or resolved in the evaluation at hand, so the log
 * tells the story even where no notifier is configured; then the alerts go on to `next` (the
 * notification side, src/alerting/notify), when there is one.
 *
 * It keeps no state: an alert fired in this evaluation when its firedAt is the evaluation's time,
 * which the ruler keeps across restarts, so a restart logs no second firing.
 */
export class LoggingAlertSink implements AlertSink {
  constructor(
    private readonly logger: Logger,
    private readonly next?: AlertSink,
  ) {}

  deliver(alerts: readonly AlertInstance[], at: number): void {
    for (const a of alerts) {
      if (a.state === 'firing' && a.firedAt === at) this.logger.warn({ alert: a }, 'alert firing');
      if (a.state === 'resolved' && a.resolvedAt === at) this.logger.warn({ alert: a }, 'alert resolved');
    }
    this.next?.deliver(alerts, at);
  }
}
