import { failed, ok, retryable } from '../../../core/index.js';
import type { Outcome } from '../../../core/index.js';

/** How long one HTTP attempt may take before it counts as a retryable failure. */
export const HTTP_ATTEMPT_TIMEOUT_MS = 10_000;

/**
 * POSTs `body` and reads the answer as an outcome: 2xx ok; 408, 429 and 5xx retryable (with the
 * Retry-After they carry); any other 4xx failed, since sending the same again would not help;
 * a network error or a timeout retryable.
 */
export async function postForOutcome(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  signal: AbortSignal,
): Promise<Outcome<void>> {
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', ...headers },
      signal: AbortSignal.any([signal, AbortSignal.timeout(HTTP_ATTEMPT_TIMEOUT_MS)]),
    });
  } catch (err) {
    return retryable(new Error(`POST ${redactUrl(url)}: ${describe(err)}`, { cause: err }));
  }
  // Read it all, so the connection goes back to the pool; a few hundred bytes go in the error.
  const text = await response.text().catch(() => '');
  if (response.ok) return ok();
  const error = new Error(`POST ${redactUrl(url)}: HTTP ${response.status} ${text.slice(0, 300)}`.trim());
  if (response.status === 408 || response.status === 429 || response.status >= 500)
    return retryable(error, retryAfterMs(response.headers.get('retry-after')));
  return failed(error);
}

function retryAfterMs(header: string | null): number | undefined {
  if (header === null) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? `: ${err.cause.message}` : '';
  return `${err.message}${cause}`;
}

/** The URL without its path and query, which may hold a token (Slack's do). */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}/***`;
  } catch {
    return '***';
  }
}
