import nodemailer from 'nodemailer';
import type { Transporter } from 'nodemailer';
import { failed, ok, retryable } from '../../../core/index.js';
import type { Outcome } from '../../../core/index.js';
import type { Channel, Notification } from '../notification.js';
import { alertLines, notificationTitle } from '../notification.js';

export interface EmailChannelOptions {
  readonly to: readonly string[];
  readonly from: string;
  readonly smtp: {
    readonly host: string;
    readonly port: number;
    readonly secure?: boolean;
    readonly user?: string;
    readonly password?: string;
  };
}

/** Email over SMTP through nodemailer: one message per notification, plain text. */
export class EmailChannel implements Channel {
  readonly kind = 'email';
  private readonly transport: Transporter;

  constructor(private readonly options: EmailChannelOptions) {
    const { smtp } = options;
    this.transport = nodemailer.createTransport({
      host: smtp.host,
      port: smtp.port,
      secure: smtp.secure ?? smtp.port === 465,
      ...(smtp.user !== undefined ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 10_000,
    });
  }

  async send(n: Notification): Promise<Outcome<void>> {
    try {
      await this.transport.sendMail({
        from: this.options.from,
        to: [...this.options.to],
        subject: notificationTitle(n),
        text: `${alertLines(n).join('\n')}\n`,
      });
      return ok();
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      // SMTP 5xx is a permanent refusal (a bad address, relaying denied); the rest may pass later.
      const code = (err as { responseCode?: unknown }).responseCode;
      return typeof code === 'number' && code >= 500 && code < 600 ? failed(error) : retryable(error);
    }
  }

  close(): void {
    this.transport.close();
  }
}
