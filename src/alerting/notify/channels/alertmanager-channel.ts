import { ok, retryable } from '../../../core/index.js';
import type { Outcome } from '../../../core/index.js';
import type { Channel, Notification } from '../notification.js';
import { postableAlerts } from './alertmanager-payload.js';
import { postForOutcome } from './http-outcome.js';

/**
 * Hands the alerts to every Alertmanager given (`POST /api/v2/alerts`), as Prometheus does: each
 * one of a cluster gets them all. An attempt that reaches some but not all is retried for the
 * rest only.
 */
export class AlertmanagerChannel implements Channel {
  readonly kind = 'alertmanager';

  constructor(
    private readonly options: {
      readonly urls: readonly string[];
      readonly externalUrl: string;
      /** How long Alertmanager holds a firing alert without hearing of it again. */
      readonly validForMs: number;
    },
  ) {}

  async send(n: Notification, signal: AbortSignal): Promise<Outcome<void>> {
    const body = JSON.stringify(postableAlerts(n, this.options.externalUrl, this.options.validForMs));
    const reached = reachedBy.get(n) ?? new Set<string>();
    reachedBy.set(n, reached);
    const left = this.options.urls.filter((u) => !reached.has(u));
    const outcomes = await Promise.all(
      left.map(async (url) => {
        const outcome = await postForOutcome(alertsEndpoint(url), body, {}, signal);
        if (outcome.kind === 'ok') reached.add(url);
        return outcome;
      }),
    );
    const failure = outcomes.find((o) => o.kind !== 'ok');
    if (failure === undefined) return ok();
    // One Alertmanager that refuses the body outright would refuse it again: that is final.
    if (failure.kind === 'failed') return failure;
    return retryable(failure.error, failure.retryAfterMs);
  }
}

/** Which Alertmanagers each notification has reached, across the attempts of its retries. */
const reachedBy = new WeakMap<Notification, Set<string>>();

function alertsEndpoint(url: string): string {
  return `${url.replace(/\/+$/, '')}/api/v2/alerts`;
}
