import { Pool } from 'undici';
import { fmt, percentile, promValue } from './support.js';
import type { Server } from './support.js';

export interface QueryShape {
  readonly series: number;
  readonly hours: number;
  readonly queries: number;
}

export interface QueryCase {
  readonly name: string;
  readonly params: Record<string, string>;
  readonly p50: number;
  readonly p99: number;
  readonly seriesReturned: number;
  readonly pointsReturned: number;
}

/**
 * Loads one metric with `series` series, one sample per series-minute over `hours`, then times
 * timeseries queries over the whole range at step 5 min, one at a time.
 */
export async function runQueryBench(
  server: Server,
  shape: QueryShape,
  log: (s: string) => void,
): Promise<QueryCase[]> {
  const end = Math.floor(Date.now() / 60_000) * 60_000;
  const start = end - shape.hours * 3_600_000;
  const pool = new Pool(server.collector, { connections: 4 });
  let sent = 0;
  const minutes = shape.hours * 60;
  const before = await promValue(server.workerMetrics, 'vantage_worker_samples_stored_total');
  log(`  loading ${fmt(shape.series)} series x ${fmt(minutes)} minutes`);
  const inflight = new Set<Promise<void>>();
  for (let m = 0; m < minutes; m++) {
    const ts = start + m * 60_000 + 30_000;
    const metrics = Array.from({ length: shape.series }, (_, s) => ({
      service: 'query-bench',
      name: 'latency_ms',
      value: 20 + (s % 50) + 10 * Math.sin(m / 30) + Math.random() * 5,
      timestamp: ts,
      tags: { host: `host-${s}`, region: `r${s % 4}` },
    }));
    const p = pool
      .request({
        path: '/v1/metrics',
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ metrics }),
      })
      .then(async (res) => {
        await res.body.text();
        if (res.statusCode !== 202) throw new Error(`load failed: ${res.statusCode}`);
        sent += metrics.length;
      });
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
    if (inflight.size >= 4) await Promise.race(inflight);
    if (m % 240 === 0) log(`    ${fmt((100 * m) / minutes, 0)}%`);
  }
  await Promise.all(inflight);
  await pool.close();
  while ((await promValue(server.workerMetrics, 'vantage_worker_samples_stored_total')) - before < sent) {
    await new Promise((r) => setTimeout(r, 200));
  }
  log(`  loaded ${fmt(sent)} samples`);

  const base = {
    service: 'query-bench',
    metric: 'latency_ms',
    from: String(start),
    to: String(end),
    step: '5m',
  };
  const cases: { name: string; params: Record<string, string> }[] = [
    { name: 'avg over all series', params: { ...base, agg: 'avg' } },
    { name: 'p99 over all series', params: { ...base, agg: 'p99' } },
    { name: 'avg by region (4 groups)', params: { ...base, agg: 'avg', group_by: 'region' } },
    { name: 'avg by host (1,000 series)', params: { ...base, agg: 'avg', group_by: 'host' } },
    { name: 'avg, one region (tag filter)', params: { ...base, agg: 'avg', tags: 'region:r1' } },
  ];
  const out: QueryCase[] = [];
  for (const c of cases) {
    const times: number[] = [];
    let seriesReturned = 0;
    let pointsReturned = 0;
    for (let i = 0; i < shape.queries; i++) {
      const t0 = performance.now();
      const res = await fetch(`${server.api}/metrics/timeseries?${new URLSearchParams(c.params).toString()}`);
      const body = (await res.json()) as { series: { points: unknown[] }[] };
      times.push(performance.now() - t0);
      if (!res.ok) throw new Error(`query failed: ${JSON.stringify(body)}`);
      seriesReturned = body.series.length;
      pointsReturned = body.series.reduce((a, s) => a + s.points.length, 0);
    }
    times.sort((a, b) => a - b);
    out.push({
      name: c.name,
      params: c.params,
      p50: percentile(times, 0.5),
      p99: percentile(times, 0.99),
      seriesReturned,
      pointsReturned,
    });
    log(`  ${c.name}: p50 ${fmt(percentile(times, 0.5))} ms`);
  }
  return out;
}
