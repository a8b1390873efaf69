/**
 * Demo data: a few services with realistic shapes (a daily rhythm, noise, a slow payment provider
 * at the top of each hour) so that a new user has something worth querying. Deterministic for a
 * given seed and time, so a backfill and a rerun agree.
 */

export interface DemoMetric {
  service: string;
  name: string;
  value: number;
  timestamp: number;
  type: 'gauge' | 'counter';
  tags: Record<string, string>;
}

interface Route {
  readonly service: string;
  readonly route: string;
  /** Requests per second at the daily peak. */
  readonly peakRps: number;
  /** Median latency, ms. */
  readonly medianMs: number;
  readonly errorRate: number;
}

const ROUTES: readonly Route[] = [
  { service: 'checkout', route: '/cart', peakRps: 12, medianMs: 35, errorRate: 0.002 },
  { service: 'checkout', route: '/pay', peakRps: 4, medianMs: 180, errorRate: 0.01 },
  { service: 'payments', route: '/charge', peakRps: 4, medianMs: 120, errorRate: 0.005 },
  { service: 'search', route: '/query', peakRps: 20, medianMs: 60, errorRate: 0.001 },
  { service: 'inventory', route: '/stock', peakRps: 8, medianMs: 15, errorRate: 0.0005 },
];

/** Most latency samples sent per route and interval; above it, requests are sampled. */
const MAX_LATENCY_SAMPLES = 50;

export class DemoTraffic {
  private state: number;

  constructor(seed = 42) {
    this.state = seed >>> 0 || 1;
  }

  /** The metrics of one interval ending at `end` (epoch ms), `intervalMs` long. */
  interval(end: number, intervalMs: number): DemoMetric[] {
    const out: DemoMetric[] = [];
    const seconds = intervalMs / 1000;
    const daily = 0.55 + 0.45 * Math.sin((2 * Math.PI * ((end / 3_600_000) % 24)) / 24 - Math.PI / 2);
    // A slow payment provider for the first five minutes of every hour.
    const incident = end % 3_600_000 < 300_000;
    for (const r of ROUTES) {
      const affected = incident && (r.service === 'payments' || r.route === '/pay');
      const requests = Math.max(0, Math.round(r.peakRps * daily * seconds * (0.85 + 0.3 * this.random())));
      const errors = this.binomial(requests, affected ? r.errorRate * 8 : r.errorRate);
      const tags = { route: r.route, method: r.route === '/query' || r.route === '/stock' ? 'GET' : 'POST' };
      out.push({
        service: r.service,
        name: 'http_requests_total',
        value: requests,
        timestamp: end,
        type: 'counter',
        tags,
      });
      out.push({
        service: r.service,
        name: 'http_errors_total',
        value: errors,
        timestamp: end,
        type: 'counter',
        tags,
      });
      const samples = Math.min(requests, MAX_LATENCY_SAMPLES);
      for (let i = 0; i < samples; i++) {
        const latency = r.medianMs * (affected ? 4 : 1) * Math.exp(0.45 * this.normal());
        const at = end - Math.floor(this.random() * intervalMs);
        out.push({
          service: r.service,
          name: 'http_request_duration_ms',
          value: round(latency),
          timestamp: at,
          type: 'gauge',
          tags,
        });
      }
    }
    for (const service of new Set(ROUTES.map((r) => r.service))) {
      out.push({
        service,
        name: 'process_cpu_percent',
        value: round(15 + 50 * daily + 8 * this.normal()),
        timestamp: end,
        type: 'gauge',
        tags: { instance: `${service}-0` },
      });
      out.push({
        service,
        name: 'process_memory_mb',
        value: round(300 + 40 * daily + 5 * this.random()),
        timestamp: end,
        type: 'gauge',
        tags: { instance: `${service}-0` },
      });
    }
    return out;
  }

  /** xorshift32: fast, seedable, good enough for demo noise. */
  private random(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state / 4294967296;
  }

  private normal(): number {
    const u = Math.max(this.random(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.random());
  }

  private binomial(n: number, p: number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (this.random() < p) k++;
    return k;
  }
}

function round(v: number): number {
  return Math.round(Math.max(0, v) * 100) / 100;
}
