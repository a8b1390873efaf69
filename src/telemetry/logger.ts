import { pino } from 'pino';
import type { Logger } from 'pino';

export type { Logger } from 'pino';

/** The process logger: JSON lines on stdout, API keys redacted wherever they appear. */
export function createLogger(level: string, name = 'vantage'): Logger {
  return pino({
    name,
    level,
    redact: {
      paths: [
        'req.headers.authorization',
        'req.headers["x-api-key"]',
        'apiKeys',
        'config.apiKeys',
        'metricsToken',
        'config.metricsToken',
      ],
      censor: '***',
    },
  });
}
