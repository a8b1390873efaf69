import { LogController } from 'fastify';

/**
 * No per-request log lines: at thousands of requests a second they cost more than the work. Errors
 * are still logged by the error handler, with the request's child logger.
 */
export function quietRequestLogs(): LogController {
  return new LogController({ disableRequestLogging: true });
}
