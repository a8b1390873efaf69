import type { Logger } from 'pino';
import type { AlertInstance, AlertSink } from './alert.js';

/**
 * Stand-in for the notification side until it is merged (issue 17): one warn line per alert that
 * started firing or resolved in the evaluation at hand, and nothing delivered anywhere. Replaced
 * at merge by the notifier (src/alerting/notify), which implements the same AlertSink.
 *
 * It keeps no state: an alert fired in this evaluation when its firedAt is the evaluation's time,
 * which the ruler keeps across restarts, so a restart logs no second firing.
 */
export class LoggingAlertSink implements AlertSink {
  constructor(private readonly logger: Logger) {}

  deliver(alerts: readonly AlertInstance[], at: number): void {
    for (const a of alerts) {
      if (a.state === 'firing' && a.firedAt === at) this.logger.warn({ alert: a }, 'alert firing');
      if (a.state === 'resolved' && a.resolvedAt === at) this.logger.warn({ alert: a }, 'alert resolved');
    }
  }
}
