import { useCallback, useEffect, useEffectEvent, useState } from 'react';
import { onApiKeyChange } from './api-key';

/**
 * What a view shows while it waits for, has, or failed to get an answer. `asOf` is when the
 * request that brought `data` was sent (epoch ms): the answer holds what was known then.
 */
export type Loadable<T> =
  | { status: 'loading'; data?: T; error?: undefined; asOf?: number }
  | { status: 'ok'; data: T; error?: undefined; asOf: number }
  | { status: 'error'; data?: T; error: Error; asOf?: number };

export interface ApiState<T> {
  readonly state: Loadable<T>;
  readonly reload: () => void;
}

/** The last settled answer, with the request it answers. */
interface Settled<T> {
  readonly key: string;
  readonly generation: number;
  readonly state: Loadable<T>;
}

/**
 * Runs `load` when `key` changes (and again when the API key changes or `reload` is called),
 * cancelling the previous request. While reloading, the last answer stays on screen (`data` is
 * kept) so charts do not flash empty. `refreshMs` reloads periodically.
 *
 * Only answers are state; "loading" is derived from the answer being for another request, so
 * nothing is set synchronously when a request starts.
 */
export function useApi<T>(
  key: string | null,
  load: (signal: AbortSignal) => Promise<T>,
  refreshMs?: number,
): ApiState<T> {
  const [settled, setSettled] = useState<Settled<T> | undefined>(undefined);
  const [generation, setGeneration] = useState(0);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  // The latest `load` (it closes over the page's parameters), without making it a dependency.
  const loadLatest = useEffectEvent(load);

  useEffect(() => onApiKeyChange(reload), [reload]);

  useEffect(() => {
    if (key === null) return;
    const controller = new AbortController();
    const asOf = Date.now();
    loadLatest(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setSettled({ key, generation, state: { status: 'ok', data, asOf } });
      },
      (error: unknown) => {
        if (controller.signal.aborted) return;
        const err = error instanceof Error ? error : new Error(String(error));
        setSettled((prev) => ({
          key,
          generation,
          state:
            prev?.key === key && prev.state.data !== undefined
              ? { status: 'error', error: err, data: prev.state.data, asOf: prev.state.asOf }
              : { status: 'error', error: err },
        }));
      },
    );
    return () => controller.abort();
  }, [key, generation]);

  useEffect(() => {
    if (!refreshMs || key === null) return;
    const timer = window.setInterval(reload, refreshMs);
    return () => window.clearInterval(timer);
  }, [refreshMs, key, reload]);

  return { state: current(settled, key, generation), reload };
}

/** The state for the request now wanted: its answer, or loading (keeping the same key's last data). */
function current<T>(settled: Settled<T> | undefined, key: string | null, generation: number): Loadable<T> {
  if (!settled || settled.key !== key) return { status: 'loading' };
  if (settled.generation === generation) return settled.state;
  const { data, asOf } = settled.state;
  return data === undefined ? { status: 'loading' } : { status: 'loading', data, asOf };
}
