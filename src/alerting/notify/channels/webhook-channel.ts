import { createHmac } from 'node:crypto';
import type { Outcome } from '../../../core/index.js';
import type { Channel, Notification } from '../notification.js';
import { webhookPayload } from './alertmanager-payload.js';
import { postForOutcome } from './http-outcome.js';

/** The header that carries the body's HMAC-SHA256 under the notifier's secret. */
export const SIGNATURE_HEADER = 'x-vantage-signature';

/** `sha256=<hex>` of `body` under `secret`: what a receiver recomputes and compares. */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** POSTs the Alertmanager webhook body (version 4), signed when the notifier has a secret. */
export class WebhookChannel implements Channel {
  readonly kind = 'webhook';

  constructor(
    private readonly options: {
      readonly url: string;
      readonly secret?: string;
      readonly externalUrl: string;
    },
  ) {}

  send(n: Notification, signal: AbortSignal): Promise<Outcome<void>> {
    const body = JSON.stringify(webhookPayload(n, this.options.externalUrl));
    const headers: Record<string, string> = {};
    if (this.options.secret !== undefined) headers[SIGNATURE_HEADER] = signBody(this.options.secret, body);
    return postForOutcome(this.options.url, body, headers, signal);
  }
}
