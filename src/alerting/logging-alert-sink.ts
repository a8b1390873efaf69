import type { Logger } from 'pino';
import type { AlertInstance, AlertSink } from './alert.js';

/**
 * Stand-in for the notification side until it is merged (issue 17): writes one log line per
 * alert that started firing or resolved, and delivers nothing. Replaced at merge by the notifier
 * (src/alerting/notify), which implements the same AlertSink.
 */
export class LoggingAlertSink implements AlertSink {
  private readonly announced = new Map<string, number>();

  constructor(private readonly logger: Logger) {}

  deliver(alerts: readonly AlertInstance[], at: number): void {
    for (const a of alerts) {
      if (a.state === 'resolved') {
        this.announced.delete(a.fingerprint);
        this.logger.info({ alert: a, at }, 'alert resolved');
      } else if (this.announced.get(a.fingerprint) !== a.firedAt) {
        // Once per firing: the ruler hands over every firing alert after each evaluation.
        this.announced.set(a.fingerprint, a.firedAt ?? a.activeAt);
        this.logger.warn({ alert: a, at }, 'alert firing');
      }
    }
  }
}
