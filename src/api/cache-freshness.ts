/**
 * When the query API may serve a cached answer: the one rule of cache invalidation, used by
 * CachedAnswers (./cached-answers.ts), with the cache it fills (./query-cache.ts) and its keys
 * (./cache-key.ts, timeseriesCacheKey). An answer is served from the cache only while all of these
 * hold:
 *
 * 1. Its key still names the asked window. Keys hold the range widened to whole steps, so a
 *    relative range (`now() - 1h`) gets a new key when a new step begins.
 * 2. It is younger than its time to live (answerTtl): `ttlMs` for settled data, the shorter
 *    `liveTtlMs` when its range reaches into the last LIVE_WINDOW_MS, where data keeps arriving.
 * 3. No write reported since it was computed touches its range (RecentWrites): data for minutes
 *    from `from` on makes every answer whose range ends after `from` stale, however old the range,
 *    since late and backfilled samples land in the past. Writes inside the live window are left to
 *    rule 2.
 *
 * Writes are reported through QueryCacheOptions.storedData, which the cli wires per role:
 * - embedded: the worker thread reports each store write with its earliest minute;
 * - `vantage api` (ClickHouse): the API never sees the workers' writes, so DataArrivals hears each
 *   message of the live feed's Kafka tail (its earliest minute read by core's earliestStart
 *   without decoding it) and reports it as stored within WORKER_WRITE_WITHIN_MS.
 * Without a report, answers are served for their whole time to live.
 */

/**
 * How long an answer may be served from the cache. Data keeps arriving for the last minutes:
 * samples are batched by clients (the host agent every 10 s, SDKs on their flush interval), wait
 * out 429/503 retries, and the worker writes them a moment later. An answer whose range ends
 * inside this window is still changing and lives only `liveTtlMs`.
 */
export const LIVE_WINDOW_MS = 2 * 60_000;

/**
 * How long after a message passes through Kafka a worker has written it, when workers keep up:
 * their batch window (at most 5 s) and the insert. Until then, cached answers over its minutes
 * are not kept.
 */
export const WORKER_WRITE_WITHIN_MS = 15_000;

/**
 * Hears of writes: `listener(from)` once data for minutes from `from` on is stored, or
 * `listener(from, pendingMs)` when it is on its way and stored within `pendingMs`.
 */
export type StoredData = (listener: (from: number, pendingMs?: number) => void) => void;

/** The time to live of an answer whose range ends at `rangeEnd` (rule 2). */
export function answerTtl(
  ttl: { readonly ttlMs: number; readonly liveTtlMs: number },
  rangeEnd: number,
  now: number,
): number {
  const live = rangeEnd > now - LIVE_WINDOW_MS;
  return live ? Math.min(ttl.liveTtlMs, ttl.ttlMs) : ttl.ttlMs;
}

/** The writes of the last time to live that can make a cached answer stale (rule 3). */
export class RecentWrites {
  /** Per second of the clock: the earliest minute written in that second, and when its last write was reported. */
  private readonly writes = new Map<number, { from: number; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  /**
   * Data for minutes from `from` on was just stored, or will be within `pendingMs`: until then,
   * answers over those minutes are not kept (each one computed before the write is stale).
   * Writes inside the live window are left to the live time to live: live data lands there all
   * the time, and dropping every answer at every write would leave 50 viewers of a dashboard
   * costing 50 store queries per panel instead of one per live time to live.
   */
  note(from: number, pendingMs = 0): void {
    if (from >= this.clock() - LIVE_WINDOW_MS) return;
    const at = this.clock() + pendingMs;
    const second = Math.floor(at / 1000);
    const seen = this.writes.get(second);
    this.writes.set(second, { from: Math.min(from, seen?.from ?? from), at });
    const forgetBefore = Math.floor(this.clock() / 1000) - Math.ceil(this.ttlMs / 1000) - 1;
    for (const s of this.writes.keys()) if (s < forgetBefore) this.writes.delete(s);
  }

  /**
   * True when data that a range ending at `rangeEnd` covers was stored at or after `asOf`. Writes
   * of one second are kept together, so an early write there may count with a later one's time:
   * at worst a needless store query, never a stale answer.
   */
  since(asOf: number, rangeEnd: number): boolean {
    for (const { from, at } of this.writes.values()) if (at >= asOf && from < rangeEnd) return true;
    return false;
  }
}

/**
 * News of data on its way to ClickHouse, from the live feed's tail of Kafka, for the query cache
 * of `vantage api`: a message heard here is taken to be stored within WORKER_WRITE_WITHIN_MS.
 */
export class DataArrivals {
  private readonly listeners: ((from: number, pendingMs?: number) => void)[] = [];

  readonly listen: StoredData = (listener) => {
    this.listeners.push(listener);
  };

  readonly heard = (from: number): void => {
    for (const listener of this.listeners) listener(from, WORKER_WRITE_WITHIN_MS);
  };
}
