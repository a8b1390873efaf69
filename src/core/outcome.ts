/**
 * The result of one attempt at a pipeline hop. Hops return outcomes rather than throw, so that
 * one wrapper (retryWithBackoff) owns every retry decision.
 */
export type Outcome<T = void> =
  | { readonly kind: 'ok'; readonly value: T }
  | { readonly kind: 'retryable'; readonly error: Error; readonly retryAfterMs?: number }
  | { readonly kind: 'failed'; readonly error: Error };

export function ok(): Outcome<void>;
export function ok<T>(value: T): Outcome<T>;
export function ok<T>(value?: T): Outcome<T | undefined> {
  return { kind: 'ok', value };
}

export function retryable(error: Error, retryAfterMs?: number): Outcome<never> {
  return retryAfterMs === undefined
    ? { kind: 'retryable', error }
    : { kind: 'retryable', error, retryAfterMs };
}

export function failed(error: Error): Outcome<never> {
  return { kind: 'failed', error };
}
