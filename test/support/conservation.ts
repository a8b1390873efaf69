/**
 * Load with a series per request, and the check by conservation that the failure tests share:
 * every request carries its own tag value (`req`), so the store says per request whether it is
 * there whole, missing (loss) or more than once (duplication). Samples by default; another kind of
 * request (spans: test/support/span-conservation.ts) through `LoadOptions.request`.
 */
import type { ClickHouseClient } from '@clickhouse/client';
import { postMetrics } from './http.js';
import type { TestMetric } from './http.js';

export type RequestStatus = 'acked' | 'refused' | 'unanswered';

export interface SentRequest {
  readonly req: string;
  readonly count: number;
  readonly sum: number;
  /** When its first attempt left. */
  readonly sentAt: number;
  status: RequestStatus;
  attempts: number;
}

/** One request of the load: what it carries (count, and a sum to compare exactly), and how to send it. */
export interface LoadRequest {
  readonly count: number;
  readonly sum: number;
  send(target: string): Promise<Response>;
}

export interface LoadOptions {
  readonly service: string;
  /** Concurrent clients, each sending one request at a time. */
  readonly clients: number;
  readonly samplesPerRequest: number;
  /** Pause of each client between requests. */
  readonly pauseMs: number;
  /** Retry a 503 with the same request after its Retry-After, as a well-behaved client does. */
  readonly retry: boolean;
  /** Builds request `req` of `size` items (default: `size` samples to `/v1/metrics`). */
  readonly request?: (req: string, size: number) => LoadRequest;
}

/** Figures a test prints: what the collector answered. */
export interface LoadFigures {
  requests: number;
  /** Answered 2xx: 202 from /v1/metrics, 200 from OTLP. */
  accepted: number;
  refused503: number;
  /** 503 bodies by error code. */
  refusedBy: Record<string, number>;
  retryAfterMissing: number;
  unanswered: number;
  other: number;
}

/**
 * Clients sending to whichever collector `target()` names now (a restarted one listens elsewhere).
 * Values are multiples of 0.25, so sums are exact in float64 and compared with toBe.
 */
export class LoadClients {
  readonly sent = new Map<string, SentRequest>();
  readonly figures: LoadFigures = {
    requests: 0,
    accepted: 0,
    refused503: 0,
    refusedBy: {},
    retryAfterMissing: 0,
    unanswered: 0,
    other: 0,
  };
  /** Statuses other than 2xx and 503, with their bodies: none is expected. */
  readonly unexpected: string[] = [];
  private running = false;
  private loops: Promise<void>[] = [];
  private next = 0;
  private readonly listeners: ((r: SentRequest, status: number | 'none') => void)[] = [];

  constructor(
    private readonly target: () => string,
    private readonly options: LoadOptions,
  ) {}

  start(): void {
    this.running = true;
    this.loops = Array.from({ length: this.options.clients }, () => this.loop());
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.all(this.loops);
  }

  /** Called after every answer (or none). */
  onAnswer(listener: (r: SentRequest, status: number | 'none') => void): void {
    this.listeners.push(listener);
  }

  /** `n` requests at once of `samples` each, on top of the steady load (to fill the buffer). */
  async burst(n: number, samples: number): Promise<void> {
    await Promise.all(Array.from({ length: n }, () => this.sendOne(samples)));
  }

  get ackedSamples(): number {
    let n = 0;
    for (const r of this.sent.values()) if (r.status === 'acked') n += r.count;
    return n;
  }

  private async loop(): Promise<void> {
    while (this.running) {
      await this.sendOne(this.options.samplesPerRequest);
      await sleep(this.options.pauseMs);
    }
  }

  private async sendOne(size: number): Promise<void> {
    const req = `r${this.next++}`;
    const now = Date.now();
    const request = (this.options.request ?? ((r, n) => sampleRequest(this.options.service, r, n)))(
      req,
      size,
    );
    const entry: SentRequest = {
      req,
      count: request.count,
      sum: request.sum,
      sentAt: now,
      status: 'unanswered',
      attempts: 0,
    };
    this.sent.set(req, entry);
    for (;;) {
      entry.attempts += 1;
      this.figures.requests += 1;
      let status: number | 'none' = 'none';
      let retryAfter = 1;
      try {
        const res = await request.send(this.target());
        status = res.status;
        const body = await res.text();
        if (res.ok) {
          this.figures.accepted += 1;
          entry.status = 'acked';
        } else if (res.status === 503) {
          this.figures.refused503 += 1;
          entry.status = 'refused';
          const header = res.headers.get('retry-after');
          if (header === null) this.figures.retryAfterMissing += 1;
          else retryAfter = Number(header);
          const code = errorCode(body);
          this.figures.refusedBy[code] = (this.figures.refusedBy[code] ?? 0) + 1;
        } else {
          this.figures.other += 1;
          entry.status = 'refused';
          this.unexpected.push(`${req}: ${res.status} ${body.slice(0, 200)}`);
        }
      } catch {
        // The collector went away with the request in flight, or is not listening.
        this.figures.unanswered += 1;
        entry.status = 'unanswered';
      }
      for (const l of this.listeners) l(entry, status);
      if (status === 503 && this.options.retry && this.running) {
        await sleep(Math.max(1, retryAfter) * 1000);
        continue;
      }
      if (status === 'none') await sleep(50);
      return;
    }
  }
}

/** `size` samples of one series of its own (tag `req`); values are multiples of 0.25. */
function sampleRequest(service: string, req: string, size: number): LoadRequest {
  const now = Date.now();
  const seq = Number(req.slice(1));
  const metrics: TestMetric[] = Array.from({ length: size }, (_, i) => ({
    service,
    name: 'work_ms',
    value: ((seq * 7 + i) % 23) + 0.25,
    timestamp: now - (i % 50),
    tags: { req },
  }));
  return {
    count: metrics.length,
    sum: metrics.reduce((a, m) => a + m.value, 0),
    send: (target) => postMetrics(target, metrics),
  };
}

function errorCode(body: string): string {
  try {
    return (JSON.parse(body) as { error?: { code?: string } }).error?.code ?? 'none';
  } catch {
    return 'unparsable';
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Stored count and sum per request of one service, read from the minute table itself. */
export async function storedPerRequest(
  client: ClickHouseClient,
  database: string,
  service: string,
): Promise<Map<string, { count: number; sum: number }>> {
  const result = await client.query({
    query: `SELECT tags['req'] AS req, sum(samples) AS count, sum(value_sum) AS sum
            FROM ${database}.metrics WHERE service_name = {service:String} GROUP BY req`,
    query_params: { service },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ req: string; count: string; sum: number }>();
  return new Map(rows.map((r) => [r.req, { count: Number(r.count), sum: Number(r.sum) }]));
}

export interface Verdict {
  readonly ackedRequests: number;
  readonly ackedSamples: number;
  readonly ackedSum: number;
  /** Stored count and sum over the acknowledged requests: equal to the acked figures. */
  readonly storedSamples: number;
  readonly storedSum: number;
  /** Acknowledged requests stored short (with what is there), or more than once. */
  readonly lost: string[];
  readonly duplicated: string[];
  /** Requests refused with 503 (never acknowledged) that are stored nonetheless. */
  readonly refusedStored: string[];
  /** Unanswered requests stored other than whole or not at all. */
  readonly unansweredPartial: string[];
  readonly unansweredStored: number;
  readonly unansweredMissing: number;
}

export function verdict(
  sent: ReadonlyMap<string, SentRequest>,
  stored: ReadonlyMap<string, { count: number; sum: number }>,
): Verdict {
  let ackedRequests = 0;
  let ackedSamples = 0;
  let ackedSum = 0;
  let storedSamples = 0;
  let storedSum = 0;
  let unansweredStored = 0;
  let unansweredMissing = 0;
  const lost: string[] = [];
  const duplicated: string[] = [];
  const refusedStored: string[] = [];
  const unansweredPartial: string[] = [];
  for (const r of sent.values()) {
    const got = stored.get(r.req) ?? { count: 0, sum: 0 };
    const shown = `${r.req} (sent ${r.count}/${r.sum}, attempts ${r.attempts}, stored ${got.count}/${got.sum})`;
    if (r.status === 'acked') {
      ackedRequests += 1;
      ackedSamples += r.count;
      ackedSum += r.sum;
      storedSamples += got.count;
      storedSum += got.sum;
      if (got.count < r.count || (got.count === r.count && got.sum !== r.sum)) lost.push(shown);
      else if (got.count > r.count) duplicated.push(shown);
    } else if (r.status === 'refused') {
      if (got.count > 0) refusedStored.push(shown);
    } else if (got.count === 0) unansweredMissing += 1;
    else if (got.count === r.count && got.sum === r.sum) unansweredStored += 1;
    else unansweredPartial.push(shown);
  }
  for (const req of stored.keys()) {
    if (!sent.has(req)) duplicated.push(`${req}: stored but never sent`);
  }
  return {
    ackedRequests,
    ackedSamples,
    ackedSum,
    storedSamples,
    storedSum,
    lost,
    duplicated,
    refusedStored,
    unansweredPartial,
    unansweredStored,
    unansweredMissing,
  };
}

/**
 * Waits until every acknowledged request is stored at least whole (a total alone could be reached
 * early by unanswered requests that were stored), then returns the stored figures; on timeout it
 * returns what is there, and the assertions name what is missing.
 */
export async function waitForDrain(
  client: ClickHouseClient,
  database: string,
  service: string,
  sent: ReadonlyMap<string, SentRequest>,
  timeoutMs: number,
): Promise<{ stored: Map<string, { count: number; sum: number }>; drainMs: number }> {
  return waitUntilStored(() => storedPerRequest(client, database, service), sent, timeoutMs);
}

/** waitForDrain over any reading of the stored figures per request. */
export async function waitUntilStored(
  read: () => Promise<Map<string, { count: number; sum: number }>>,
  sent: ReadonlyMap<string, SentRequest>,
  timeoutMs: number,
): Promise<{ stored: Map<string, { count: number; sum: number }>; drainMs: number }> {
  const started = Date.now();
  const acked = [...sent.values()].filter((r) => r.status === 'acked');
  for (;;) {
    let stored = new Map<string, { count: number; sum: number }>();
    try {
      stored = await read();
    } catch {
      // ClickHouse just came back: ask again.
    }
    const done = acked.every((r) => (stored.get(r.req)?.count ?? 0) >= r.count);
    if (done || Date.now() - started > timeoutMs) {
      // Whatever was still on its way (an unanswered request) has had its chance by now.
      if (done) {
        await sleep(2_000);
        stored = await read();
      }
      return { stored, drainMs: Date.now() - started };
    }
    await sleep(250);
  }
}
