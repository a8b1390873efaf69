import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import { eventually, timeseries } from './http.js';
import { promQuery } from './prometheus-process.js';

/**
 * What the remote_write semantics tests share: a scrape target whose counter the test controls,
 * a round-robin HTTP proxy in front of several collectors, Prometheus' configuration for them,
 * and the truth (per-minute increases) computed from the samples Prometheus actually scraped.
 */
export const MINUTE = 60_000;
export const COUNTER = 'rw_test_events_total';

/** The scraped counter: up by 7 a scrape, then from `resetAt` on a restarted counter up by 3. */
export class ControlledCounter {
  scrapes = 0;
  frozen = false;
  private value = 0;

  constructor(readonly resetAt: number) {}

  /** One scrape's value; after freeze() the value stays. */
  scrape(): number {
    if (!this.frozen) {
      this.scrapes++;
      this.value = this.scrapes === this.resetAt ? 0 : this.value + (this.scrapes < this.resetAt ? 7 : 3);
    }
    return this.value;
  }

  server(): Server {
    return createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
      res.end(
        `# HELP ${COUNTER} Events.\n# TYPE ${COUNTER} counter\n${COUNTER}{kind="x"} ${this.scrape()}\n`,
      );
    });
  }
}

/** A reverse proxy that sends each request to the next of `targets` in turn; `hits` counts them. */
export function roundRobinProxy(targets: () => readonly string[], hits: number[]): Server {
  let next = 0;
  return createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const i = next++ % targets().length;
      hits[i] = (hits[i] ?? 0) + 1;
      const headers: Record<string, string> = {};
      for (const h of [
        'content-type',
        'content-encoding',
        'x-prometheus-remote-write-version',
        'user-agent',
      ]) {
        const v = req.headers[h];
        if (typeof v === 'string') headers[h] = v;
      }
      fetch(`${targets()[i]}${req.url ?? '/'}`, { method: req.method, headers, body: Buffer.concat(chunks) })
        .then(async (answer) => {
          res.writeHead(answer.status, {
            'content-type': answer.headers.get('content-type') ?? 'text/plain',
          });
          res.end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch((err: unknown) => {
          res.writeHead(502);
          res.end(String(err));
        });
    });
  });
}

export async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * prometheus.yml: scrape the target every second as job `rwtest`, remote-write to `url`. One shard
 * and a 1 s deadline make about one request per scrape, so behind a round-robin proxy consecutive
 * samples of a series reach different collectors.
 */
export function prometheusConfig(targetPort: number, url: string): string {
  return [
    'global:',
    '  scrape_interval: 1s',
    'scrape_configs:',
    '  - job_name: rwtest',
    '    static_configs:',
    `      - targets: ['127.0.0.1:${targetPort}']`,
    'remote_write:',
    `  - url: ${url}`,
    '    queue_config: { min_shards: 1, max_shards: 1, max_samples_per_send: 100, batch_send_deadline: 1s }',
    '',
  ].join('\n');
}

/** The counter's raw samples as Prometheus stored them, [ms, value], oldest first. */
export async function rawSamples(prometheus: string, until: number): Promise<[number, number][]> {
  const params = new URLSearchParams({ query: `${COUNTER}[10m]`, time: String(until / 1000) });
  const res = await fetch(`${prometheus}/api/v1/query?${params}`);
  const body = (await res.json()) as { data: { result: { values: [number, string][] }[] } };
  return (body.data.result[0]?.values ?? []).map(([t, v]) => [Math.round(t * 1000), Number(v)]);
}

/**
 * Per-minute increases from raw samples, as a counter's semantics give them: the first sample is
 * a baseline; a lower total than the one before is a reset, whose new total is the increase.
 */
export function increasesByMinute(samples: readonly [number, number][]): Map<number, number> {
  const out = new Map<number, number>();
  for (let i = 1; i < samples.length; i++) {
    const [t, v] = samples[i] as [number, number];
    const prev = (samples[i - 1] as [number, number])[1];
    const minute = Math.floor(t / MINUTE) * MINUTE;
    out.set(minute, (out.get(minute) ?? 0) + (v >= prev ? v - prev : v));
  }
  return out;
}

/** A map's non-zero entries, sorted, as text: two such texts are equal when the maps agree. */
export function nonZero(m: ReadonlyMap<number, number>): string {
  return JSON.stringify([...m].filter(([, v]) => v !== 0).sort(([a], [b]) => a - b));
}

export interface CounterScenario {
  readonly samples: readonly [number, number][];
  /** Per-minute increases from the scraped samples. */
  readonly truth: ReadonlyMap<number, number>;
  /** Per-minute sums Vantage answered, once they equalled the truth (or at the deadline). */
  readonly stored: ReadonlyMap<number, number>;
  /** Vantage's rate (per second) of each minute. */
  readonly rates: ReadonlyMap<number, number>;
  /** Prometheus' increase() over a window holding every sample. */
  readonly promIncrease: number;
}

/**
 * Lets Prometheus scrape `counter` until it has reset and its samples span two minute boundaries,
 * freezes it, and reads the truth from Prometheus and the stored increases from Vantage's API
 * (service `rwtest`), waiting up to `settleMs` for them to agree.
 */
export async function runCounterScenario(
  counter: ControlledCounter,
  prometheus: string,
  api: string,
  settleMs = 30_000,
): Promise<CounterScenario> {
  const first = await eventually(
    async () => (await rawSamples(prometheus, Date.now()))[0],
    30_000,
    'first sample',
  );
  const firstMinute = Math.floor(first[0] / MINUTE) * MINUTE;
  await eventually(
    async () =>
      counter.scrapes > counter.resetAt + 5 && Date.now() > firstMinute + 2 * MINUTE + 3_000
        ? true
        : undefined,
    4 * MINUTE,
    'two minute boundaries',
  );
  counter.frozen = true;
  const frozenAt = Date.now();
  // Samples after the freeze add nothing; wait until Prometheus holds some.
  const samples = await eventually(
    async () => {
      const s = await rawSamples(prometheus, Date.now());
      return (s.at(-1)?.[0] ?? 0) > frozenAt + 2_000 ? s : undefined;
    },
    20_000,
    'samples after the freeze',
  );
  const truth = increasesByMinute(samples);
  const query = {
    service: 'rwtest',
    metric: COUNTER,
    from: String(firstMinute - MINUTE),
    to: String(Date.now() + MINUTE),
    step: '1m',
  };
  let stored = new Map<number, number>();
  const deadline = Date.now() + settleMs;
  while (Date.now() < deadline) {
    stored = new Map((await timeseries(api, { ...query, agg: 'sum' }))[0]?.points ?? []);
    if (nonZero(stored) === nonZero(truth)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const rates = new Map((await timeseries(api, { ...query, agg: 'rate' }))[0]?.points ?? []);
  const last = samples[samples.length - 1] as [number, number];
  const windowS = Math.ceil((last[0] - first[0]) / 1000);
  const [increase] = await promQuery(prometheus, `increase(${COUNTER}[${windowS}s])`, last[0]);
  return { samples, truth, stored, rates, promIncrease: increase?.value ?? Number.NaN };
}
