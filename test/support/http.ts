/** Small HTTP helpers for tests that talk to real Vantage servers. */

export interface TestMetric {
  service: string;
  name: string;
  value: number;
  timestamp?: number | string;
  type?: 'gauge' | 'counter';
  tags?: Record<string, string>;
}

export async function postMetrics(
  collector: string,
  metrics: TestMetric[],
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${collector}/v1/metrics`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ metrics }),
  });
}

export interface SeriesJson {
  service: string;
  metric: string;
  tags: Record<string, string>;
  points: [number, number][];
}

/**
 * Tests wait for data they just sent: they ask for the store's answer as of now, never the query
 * cache's (test/query-cache.int.test.ts tests the cache).
 */
export async function timeseries(
  api: string,
  params: Record<string, string>,
  headers: Record<string, string> = {},
): Promise<SeriesJson[]> {
  const res = await fetch(`${api}/metrics/timeseries?${new URLSearchParams(params).toString()}`, {
    headers: { 'cache-control': 'no-cache', ...headers },
  });
  if (!res.ok) throw new Error(`timeseries ${res.status}: ${await res.text()}`);
  return ((await res.json()) as { series: SeriesJson[] }).series;
}

/** Polls `check` until it returns a value, or throws with the last reason after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
