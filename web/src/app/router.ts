import { useCallback, useSyncExternalStore } from 'react';

/**
 * The dashboard's routing: the address bar is the state. A page reads its path and query string
 * from here and writes changes back, so every view is a link that can be shared or reloaded.
 * Small on purpose: five pages and query parameters need no routing library.
 */

const NAVIGATED = 'vantage:navigated';

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATED, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATED, onChange);
  };
}

const currentHref = (): string => window.location.pathname + window.location.search;

/** Goes to another view. `replace` edits the current history entry (typing, toggles), else adds one. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to === currentHref()) return;
  if (options.replace) window.history.replaceState(null, '', to);
  else window.history.pushState(null, '', to);
  window.dispatchEvent(new Event(NAVIGATED));
  if (!options.replace) window.scrollTo(0, 0);
}

export interface Location {
  readonly path: string;
  readonly params: URLSearchParams;
}

/** The current path and query string; re-renders when they change. */
export function useLocation(): Location {
  const href = useSyncExternalStore(subscribe, currentHref);
  const url = new URL(href, window.location.origin);
  return { path: decodeURIComponent(url.pathname), params: url.searchParams };
}

/** A path with query parameters; empty and undefined values are left out to keep links short. */
export function hrefWith(path: string, params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') search.set(k, v);
  const q = search.toString();
  return q ? `${path}?${q}` : path;
}

/**
 * Sets some query parameters of the current view (undefined removes one). Edits the current
 * history entry unless `push`, so that each keystroke is not a step of the back button.
 */
export function useSetParams(): (changes: Record<string, string | undefined>, push?: boolean) => void {
  return useCallback((changes, push = false) => {
    const url = new URL(window.location.href);
    for (const [k, v] of Object.entries(changes)) {
      if (v === undefined || v === '') url.searchParams.delete(k);
      else url.searchParams.set(k, v);
    }
    navigate(url.pathname + url.search, { replace: !push });
  }, []);
}
