import { useCallback, useEffect, useRef, useState } from 'react';
import { onApiKeyChange } from './api-key';

/** What a view shows while it waits for, has, or failed to get an answer. */
export type Loadable<T> =
  | { status: 'loading'; data?: T; error?: undefined }
  | { status: 'ok'; data: T; error?: undefined }
  | { status: 'error'; data?: T; error: Error };

export interface ApiState<T> {
  readonly state: Loadable<T>;
  readonly reload: () => void;
}

/**
 * Runs `load` when `key` changes (and again when the API key changes or `reload` is called),
 * cancelling the previous request. While reloading, the last answer stays on screen (`data` is
 * kept) so charts do not flash empty. `refreshMs` reloads periodically.
 */
export function useApi<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
  refreshMs?: number,
): ApiState<T> {
  // The answer is kept with the key it answers, so that a new key never shows another's data.
  const [held, setHeld] = useState<{ key: string | null; state: Loadable<T> }>({
    key,
    state: { status: 'loading' },
  });
  const [generation, setGeneration] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(() => setGeneration((g) => g + 1), []);

  useEffect(() => onApiKeyChange(reload), [reload]);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    const keep = (prev: { key: string | null; state: Loadable<T> }): T | undefined =>
      prev.key === key ? prev.state.data : undefined;
    setHeld((prev) => ({ key, state: { status: 'loading', data: keep(prev) } }));
    loadRef.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setHeld({ key, state: { status: 'ok', data } });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const err = error instanceof Error ? error : new Error(String(error));
        setHeld((prev) => ({ key, state: { status: 'error', data: keep(prev), error: err } }));
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  useEffect(() => {
    if (!refreshMs || key === null) return;
    const timer = window.setInterval(reload, refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs, key, reload]);

  return { state: held.key === key ? held.state : { status: 'loading' }, reload };
}
