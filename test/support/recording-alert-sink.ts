import type { AlertInstance, AlertSink } from '../../src/alerting/index.js';

/**
 * An AlertSink that keeps what it is handed. `notifications()` counts what a notifier would send:
 * the first delivery of each firing (an alert's fingerprint and firedAt) and each resolution, so a
 * firing handed over again after a restart or a handover is not a second notification.
 */
export class RecordingAlertSink implements AlertSink {
  readonly deliveries: { at: number; alerts: AlertInstance[] }[] = [];

  deliver(alerts: readonly AlertInstance[], at: number): void {
    this.deliveries.push({ at, alerts: [...alerts] });
  }

  notifications(): {
    rule: string;
    state: 'firing' | 'resolved';
    fingerprint: string;
    firedAt: number | undefined;
    at: number;
  }[] {
    const seen = new Set<string>();
    const out: ReturnType<RecordingAlertSink['notifications']> = [];
    for (const d of this.deliveries)
      for (const a of d.alerts) {
        if (a.state === 'pending') continue;
        const key = `${a.state} ${a.fingerprint} ${a.firedAt}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({ rule: a.rule, state: a.state, fingerprint: a.fingerprint, firedAt: a.firedAt, at: d.at });
      }
    return out;
  }
}
