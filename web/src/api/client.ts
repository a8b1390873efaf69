import { getApiKey } from './api-key';

/** Where in a query an error is, as the API reports it (VQL errors). */
export interface ErrorPosition {
  line: number;
  column: number;
  offset?: number;
}

/** An answer that was not 2xx, with the API's machine-readable error when it sent one. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly field?: string,
    readonly position?: ErrorPosition,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The server wants an API key this dashboard does not have (or has a wrong one). */
  get needsApiKey(): boolean {
    return this.status === 401;
  }
}

const AUTH_REQUIRED = 'vantage:auth-required';

/** Tells the app shell to ask for a key; pages keep showing their own error state meanwhile. */
export function onAuthRequired(listener: () => void): () => void {
  window.addEventListener(AUTH_REQUIRED, listener);
  return () => window.removeEventListener(AUTH_REQUIRED, listener);
}

/** A list is sent as the parameter repeated (`tags=a:1&tags=b:2`). */
export type QueryParams = Record<string, string | number | readonly string[] | undefined>;

function url(path: string, params?: QueryParams): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params ?? {})) {
    if (Array.isArray(v)) for (const item of v as readonly string[]) search.append(k, item);
    else if (v !== undefined && v !== '') search.set(k, String(v));
  }
  const q = search.toString();
  return q ? `${path}?${q}` : path;
}

function headers(extra?: Record<string, string>): Record<string, string> {
  const key = getApiKey();
  return { accept: 'application/json', ...(key ? { authorization: `Bearer ${key}` } : {}), ...extra };
}

async function answer<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (response.ok) return body as T;
  const error = (body as { error?: Partial<ApiError> & { message?: string } } | undefined)?.error;
  const failure = new ApiError(
    response.status,
    error?.code ?? `HTTP_${response.status}`,
    error?.message ?? (response.statusText || `HTTP ${response.status}`),
    error?.field,
    error?.position,
  );
  if (failure.needsApiKey) window.dispatchEvent(new Event(AUTH_REQUIRED));
  throw failure;
}

/** GET an API path; undefined and empty parameters are left out. */
export async function apiGet<T>(path: string, params?: QueryParams, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(url(path, params), { headers: headers(), signal }));
}

/** POST JSON to an API path. */
export async function apiPost<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(body),
    signal,
  };
  return answer<T>(await fetch(path, init));
}

/** PUT JSON to an API path. */
export async function apiPut<T>(path: string, body: unknown, signal?: AbortSignal): Promise<T> {
  const init: RequestInit = {
    method: 'PUT',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify(body),
    signal,
  };
  return answer<T>(await fetch(path, init));
}

/** DELETE an API path. */
export async function apiDelete<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(path, { method: 'DELETE', headers: headers(), signal }));
}

/** The pages a listing is followed for at most: a bound on one view's requests. */
export const MAX_PAGES = 10;

/**
 * GET a paged listing (`/v1/services`, `/v1/metrics`, `/v1/health-scores`) and follow its
 * `next` for up to MAX_PAGES pages, joining the pages' lists with `join`. The answer's `next` is
 * that of the last page read: not null when there was more than the view shows.
 */
export async function apiGetPages<T extends { next: string | null }>(
  path: string,
  params: QueryParams | undefined,
  join: (all: T, page: T) => T,
  signal?: AbortSignal,
): Promise<T> {
  let all = await apiGet<T>(path, params, signal);
  for (let i = 1; i < MAX_PAGES && all.next !== null && all.next !== undefined; i++) {
    const page = await apiGet<T>(path, { ...params, after: all.next }, signal);
    all = { ...join(all, page), next: page.next };
  }
  return all;
}
