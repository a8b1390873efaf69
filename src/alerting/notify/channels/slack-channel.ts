import type { Outcome } from '../../../core/index.js';
import type { Channel, Notification } from '../notification.js';
import { alertLines, notificationTitle } from '../notification.js';
import { postForOutcome } from './http-outcome.js';

/** Slack's limit on a section block's text. */
const SECTION_TEXT_MAX = 3000;

/**
 * A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat): `text` for clients and
 * notifications that read only it, `blocks` for the message itself.
 */
export class SlackChannel implements Channel {
  readonly kind = 'slack';

  constructor(private readonly options: { readonly url: string; readonly channel?: string }) {}

  send(n: Notification, signal: AbortSignal): Promise<Outcome<void>> {
    const title = notificationTitle(n);
    const details = alertLines(n).join('\n');
    const body = {
      text: title,
      ...(this.options.channel !== undefined ? { channel: this.options.channel } : {}),
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: title.slice(0, 150) } },
        { type: 'section', text: { type: 'mrkdwn', text: clip(details, SECTION_TEXT_MAX) } },
      ],
    };
    return postForOutcome(this.options.url, JSON.stringify(body), {}, signal);
  }
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
