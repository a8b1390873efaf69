import { createServer } from 'node:http';
import type { IncomingHttpHeaders, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sample } from '../../core/index.js';
import { createLogger } from '../../telemetry/index.js';
import { createScrapeMetrics } from './scrape-metrics.js';
import { SCRAPE_ACCEPT } from './scrape-request.js';
import { TargetScraper } from './target-scraper.js';

/** A real exporter on a real port, whose answer each test sets. */
let server: Server;
let base: string;
let answer: { status: number; contentType: string; body: string; gzip?: boolean; hang?: boolean };
let lastHeaders: IncomingHttpHeaders = {};

beforeAll(async () => {
  server = createServer((req, res) => {
    lastHeaders = req.headers;
    if (answer.hang) return;
    const body = answer.gzip ? gzipSync(answer.body) : Buffer.from(answer.body);
    res.writeHead(answer.status, {
      'content-type': answer.contentType,
      ...(answer.gzip ? { 'content-encoding': 'gzip' } : {}),
    });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const OM = 'application/openmetrics-text; version=1.0.0; charset=utf-8';

function scraper(limits: { sampleLimit?: number; bodyMaxBytes?: number; timeoutMs?: number } = {}) {
  const registry = new Registry();
  const metrics = createScrapeMetrics(registry);
  const target = new TargetScraper({
    target: { url: `${base}/metrics`, job: 'app', instance: 'app:1', labels: {} },
    intervalMs: 15_000,
    timeoutMs: limits.timeoutMs ?? 5_000,
    sampleLimit: limits.sampleLimit ?? 100,
    bodyMaxBytes: limits.bodyMaxBytes ?? 1_000_000,
    metrics,
    logger: createLogger('silent'),
  });
  return { target, registry };
}

const valueOf = (samples: Sample[], name: string) => samples.find((s) => s.name === name)?.value;

async function outcomes(registry: Registry): Promise<Record<string, number>> {
  const metric = await registry.getSingleMetric('vantage_agent_scrapes_total')?.get();
  return Object.fromEntries((metric?.values ?? []).map((v) => [String(v.labels.outcome), v.value]));
}

describe('TargetScraper', () => {
  it('asks as Prometheus does, reads gzipped OpenMetrics, and ships increases with up = 1', async () => {
    const { target, registry } = scraper();
    answer = { status: 200, contentType: OM, gzip: true, body: '# TYPE jobs counter\njobs_total 5\n# EOF\n' };
    const first = await target.scrape();
    expect(lastHeaders.accept).toBe(SCRAPE_ACCEPT);
    expect(lastHeaders['accept-encoding']).toBe('gzip');
    expect(lastHeaders['x-prometheus-scrape-timeout-seconds']).toBe('5');
    expect(first.map((s) => s.name)).toEqual(['up', 'scrape_duration_seconds', 'scrape_samples_scraped']);
    expect(valueOf(first, 'up')).toBe(1);
    expect(valueOf(first, 'scrape_samples_scraped')).toBe(1);
    expect(first[0]).toMatchObject({ service: 'app', type: 'gauge', tags: { instance: 'app:1' } });

    answer.body = '# TYPE jobs counter\njobs_total 8\n# EOF\n';
    const second = await target.scrape();
    expect(second.find((s) => s.name === 'jobs_total')).toMatchObject({ type: 'counter', value: 3 });
    expect(await outcomes(registry)).toEqual({ ok: 2 });
  });

  it('reads a text/plain answer as 0.0.4', async () => {
    const { target } = scraper();
    answer = {
      status: 200,
      contentType: 'text/plain; version=0.0.4',
      body: 'temperature 21.5 1700000000000\n',
    };
    const samples = await target.scrape();
    expect(samples.find((s) => s.name === 'temperature')).toMatchObject({
      value: 21.5,
      timestamp: 1_700_000_000_000,
    });
  });

  it.each([
    ['http_status', { status: 500, contentType: 'text/plain', body: 'oops' }, {}],
    ['parse_error', { status: 200, contentType: OM, body: 'jobs_total 5\n' }, {}],
    ['sample_limit', { status: 200, contentType: 'text/plain', body: 'a 1\nb 2\nc 3\n' }, { sampleLimit: 2 }],
    [
      'body_too_large',
      { status: 200, contentType: 'text/plain', body: `a ${'1'.repeat(200)}\n` },
      { bodyMaxBytes: 100 },
    ],
    ['timeout', { status: 200, contentType: 'text/plain', body: '', hang: true }, { timeoutMs: 200 }],
  ] as const)('drops a scrape whole on %s: up = 0 and the outcome counted', async (reason, a, limits) => {
    const { target, registry } = scraper(limits);
    answer = { ...a };
    const samples = await target.scrape();
    expect(samples.map((s) => [s.name, s.value])).toContainEqual(['up', 0]);
    expect(samples).toHaveLength(3);
    expect(await outcomes(registry)).toEqual({ [reason]: 1 });
  });

  it('counts an unreachable target as down, and measures across the outage once it is back', async () => {
    const { target } = scraper();
    answer = { status: 200, contentType: 'text/plain', body: '# TYPE c counter\nc 10\n' };
    await target.scrape();
    answer = { status: 503, contentType: 'text/plain', body: '' };
    expect(valueOf(await target.scrape(), 'up')).toBe(0);
    answer = { status: 200, contentType: 'text/plain', body: '# TYPE c counter\nc 25\n' };
    const back = await target.scrape();
    expect(valueOf(back, 'up')).toBe(1);
    expect(valueOf(back, 'c')).toBe(15);
  });

  it('reports a closed port as unreachable', async () => {
    const registry = new Registry();
    const target = new TargetScraper({
      target: { url: 'http://127.0.0.1:1/metrics', job: 'gone', instance: '127.0.0.1:1', labels: {} },
      intervalMs: 15_000,
      timeoutMs: 5_000,
      sampleLimit: 10,
      bodyMaxBytes: 1_000,
      metrics: createScrapeMetrics(registry),
      logger: createLogger('silent'),
    });
    expect(valueOf(await target.scrape(), 'up')).toBe(0);
    expect(await outcomes(registry)).toEqual({ unreachable: 1 });
  });
});
