import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, clickHouseUrl, dropDatabase, freshDatabaseName } from './support/clickhouse.js';
import { eventually, postMetrics, timeseries } from './support/http.js';
import type { TestMetric } from './support/http.js';
import { deleteTopics, kafkaBrokers, uniqueName } from './support/kafka.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';

/**
 * Distributed Vantage as it is deployed: `vantage collector`, `vantage worker` and `vantage api`
 * as processes of their own, meeting through a real Kafka topic and a real ClickHouse database
 * (fresh ones per run). What a client got a 202 for comes back from the query API, exactly once,
 * even when the worker is killed with SIGKILL under load.
 */
const MINUTE = 60_000;
const brokers = kafkaBrokers();
const topic = uniqueName('vantage-dist');
const database = freshDatabaseName('vantage_dist');
const common = [
  '--kafka-brokers',
  brokers.join(','),
  '--kafka-topic',
  topic,
  '--kafka-group',
  uniqueName('vantage-dist-workers'),
  '--clickhouse-url',
  clickHouseUrl(),
  '--clickhouse-database',
  database,
  '--rate-limit-per-minute',
  '1000000',
  '--worker-linger',
  '50ms',
  '--log-level',
  'warn',
];
// Whole minutes well inside the retention and the accepted age window.
const base = Math.floor((Date.now() - 30 * MINUTE) / (10 * MINUTE)) * (10 * MINUTE);

let collector: RoleProcess;
let worker: RoleProcess;
let api: RoleProcess;

beforeAll(async () => {
  // The worker first: it creates the topic and migrates the schema the API reads.
  worker = await startRole('worker', common);
  [collector, api] = await Promise.all([startRole('collector', common), startRole('api', common)]);
}, 90_000);

afterAll(async () => {
  const codes = await Promise.all(
    [collector, worker, api].filter((p) => p !== undefined).map((p) => stopRole(p)),
  );
  const client = adminClient();
  try {
    await dropDatabase(client, database);
  } finally {
    await client.close();
  }
  await deleteTopics(brokers, [topic]);
  expect(codes).toEqual(codes.map(() => 0));
}, 60_000);

function exactQuantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(q * (sorted.length - 1))] as number;
}

async function total(service: string, metric: string, agg: 'count' | 'sum'): Promise<number> {
  const series = await timeseries(api.url, {
    service,
    metric,
    from: String(base - 60 * MINUTE),
    to: String(base + 60 * MINUTE),
    step: '1h',
    agg,
  });
  return series.flatMap((s) => s.points).reduce((a, [, v]) => a + v, 0);
}

describe('distributed Vantage on Kafka and ClickHouse', () => {
  it('answers count, sum, avg and p99 of what the collector accepted', async () => {
    const latencies = new Map<string, number[]>();
    let seed = 11;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const batches: TestMetric[][] = [];
    for (let tick = 0; tick < 30; tick++) {
      const t0 = base + tick * 10_000;
      const batch: TestMetric[] = [];
      for (const route of ['/pay', '/cart']) {
        for (let i = 0; i < 25; i++) {
          const v = Math.round(route === '/pay' ? 50 + 400 * rand() ** 3 : 5 + 20 * rand());
          const ts = t0 + i * 100;
          batch.push({ service: 'checkout', name: 'latency_ms', value: v, timestamp: ts, tags: { route } });
          const key = `${route}|${Math.floor(ts / MINUTE) * MINUTE}`;
          latencies.set(key, [...(latencies.get(key) ?? []), v]);
        }
      }
      batches.push(batch);
    }
    const results = await Promise.all(batches.map((b) => postMetrics(collector.url, b)));
    expect(results.map((r) => r.status)).toEqual(batches.map(() => 202));
    const all = [...latencies.values()].flat();
    await eventually(
      async () => ((await total('checkout', 'latency_ms', 'count')) === all.length ? true : undefined),
      30_000,
      'the worker to store every sample in ClickHouse',
    );
    expect(await total('checkout', 'latency_ms', 'sum')).toBe(all.reduce((a, b) => a + b, 0));

    const query = (agg: string) =>
      timeseries(api.url, {
        service: 'checkout',
        metric: 'latency_ms',
        from: String(base),
        to: String(base + 5 * MINUTE),
        step: '1m',
        agg,
        group_by: 'route',
      });
    const [count, avg, p99] = await Promise.all([query('count'), query('avg'), query('p99')]);
    for (const series of [count, avg, p99]) {
      expect(series.map((s) => s.tags.route).sort()).toEqual(['/cart', '/pay']);
    }
    for (const s of count) {
      expect(s.points).toHaveLength(5);
      for (const [ts, n] of s.points) expect(n).toBe(latencies.get(`${s.tags.route}|${ts}`)?.length);
    }
    for (const s of avg) {
      for (const [ts, value] of s.points) {
        const values = latencies.get(`${s.tags.route}|${ts}`) as number[];
        const exact = values.reduce((a, b) => a + b, 0) / values.length;
        expect(Math.abs(value - exact) / exact).toBeLessThanOrEqual(0.01);
      }
    }
    for (const s of p99) {
      for (const [ts, value] of s.points) {
        const exact = exactQuantile(latencies.get(`${s.tags.route}|${ts}`) as number[], 0.99);
        expect(Math.abs(value - exact) / exact).toBeLessThanOrEqual(0.01);
      }
    }

    // VQL on ClickHouse: the same counts, and the same p99 as the timeseries endpoint.
    const response = await fetch(`${api.url}/v1/query`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        vql: `SELECT tags.route, time_bucket(1m) AS minute, count(*), p99(value) FROM metrics WHERE service_name = 'checkout' AND metric_name = 'latency_ms' AND timestamp >= ${base} AND timestamp < ${base + 5 * MINUTE} GROUP BY tags.route, minute`,
      }),
    });
    expect(response.status).toBe(200);
    const vql = (await response.json()) as { rows: [string, number, number, number][] };
    const expected = count.flatMap((s) =>
      s.points.map(([ts, n]) => {
        const p = p99.find((x) => x.tags.route === s.tags.route)?.points.find(([t]) => t === ts)?.[1];
        return [s.tags.route, ts, n, p];
      }),
    );
    expect(vql.rows).toEqual(expected.sort((a, b) => String(a[0]).localeCompare(String(b[0]))));
  });

  it('drops a cached answer once data for its range passes through Kafka, however old the range', async () => {
    // Hours before the other tests' data, so that only this test's samples reach the range.
    const from = base - 6 * 60 * MINUTE;
    const url = `${api.url}/metrics/timeseries?service=backfill&metric=orders&from=${from}&to=${from + 60 * MINUTE}&step=1h&agg=count`;
    const count = async (): Promise<{ cache: string | null; count: number }> => {
      const res = await fetch(url); // no Cache-Control: as a dashboard asks
      expect(res.status).toBe(200);
      const body = (await res.json()) as { series: { points: [number, number][] }[] };
      const points = body.series.flatMap((s) => s.points);
      return { cache: res.headers.get('x-vantage-cache'), count: points.reduce((n, [, v]) => n + v, 0) };
    };
    expect(await count()).toEqual({ cache: 'miss', count: 0 });
    expect(await count()).toEqual({ cache: 'hit', count: 0 });

    // A backfill into that hour: the cached empty answer (60 s to live) must not hide it.
    const res = await postMetrics(collector.url, [
      { service: 'backfill', name: 'orders', value: 1, timestamp: from + 10 * MINUTE },
    ]);
    expect(res.status).toBe(202);
    const seen = await eventually(async () => {
      const answer = await count();
      return answer.count === 1 ? answer : undefined;
    }, 20_000);
    expect(seen.cache).toBe('miss');
  });

  it('reports Kafka on the collector, and the breaker and the lag on the worker', async () => {
    const ready = (await (await fetch(`${collector.url}/ready`)).json()) as {
      checks: Record<string, string>;
    };
    expect(ready.checks).toEqual({ bus: 'ok', pipeline: 'ok' });
    const collectorMetrics = await (await fetch(collector.metrics)).text();
    expect(collectorMetrics).toMatch(
      /vantage_collector_kafka_publish_duration_seconds_count\{[^}]*bus="kafka"[^}]*\} [1-9]/,
    );
    const workerReady = (await (await fetch(`${worker.url}/ready`)).json()) as {
      checks: Record<string, string>;
    };
    expect(workerReady.checks).toEqual({ store: 'ok', bus: 'ok' });
    const workerMetrics = await (await fetch(worker.metrics)).text();
    expect(workerMetrics).toMatch(/vantage_worker_circuit_breaker_state\{[^}]*\} 0\n/);
    expect(workerMetrics).toMatch(
      /vantage_worker_kafka_consumer_lag_messages\{[^}]*partition="\d+"[^}]*\} \d+/,
    );
    expect(workerMetrics).toMatch(
      /vantage_worker_kafka_messages_consumed_total\{[^}]*bus="kafka"[^}]*\} [1-9]/,
    );
  });

  it('stores every accepted sample exactly once when the worker is killed (SIGKILL) under load', async () => {
    let acceptedCount = 0;
    let acceptedSum = 0;
    let sending = true;
    let sent = 0;
    const sender = async (id: number): Promise<void> => {
      for (let i = 0; sending; i++) {
        const metrics: TestMetric[] = Array.from({ length: 20 }, (_, k) => ({
          service: 'load',
          name: 'work_units',
          value: ((id * 7 + i * 3 + k) % 50) + 1,
          timestamp: base + ((id * 997 + i * 31 + k) % (10 * MINUTE)),
          tags: { sender: String(id), shard: String(k % 4) },
        }));
        try {
          const res = await postMetrics(collector.url, metrics);
          if (res.status === 202) {
            acceptedCount += metrics.length;
            acceptedSum += metrics.reduce((a, m) => a + m.value, 0);
          }
        } catch {
          // Not accepted: not counted.
        }
        sent += 1;
      }
    };
    const senders = [0, 1, 2, 3].map((id) => sender(id));
    // Kill once the worker has stored some of the load, while more keeps coming.
    await eventually(
      async () => ((await total('load', 'work_units', 'count')) > 0 && sent > 40 ? true : undefined),
      30_000,
      'the worker to store part of the load',
    );
    worker.child.kill('SIGKILL');
    expect(await worker.exited).toBe('SIGKILL');
    const sentAtKill = sent;
    await eventually(async () => (sent > sentAtKill + 40 ? true : undefined), 30_000, 'more load while down');
    worker = await startRole('worker', common);
    await eventually(
      async () => (sent > sentAtKill + 80 ? true : undefined),
      30_000,
      'load after the restart',
    );
    sending = false;
    await Promise.all(senders);
    expect(acceptedCount).toBeGreaterThan(0);

    // Equality, not just "at least": less is loss, more is duplication.
    const stored = await eventually(
      async () => {
        const count = await total('load', 'work_units', 'count');
        return count >= acceptedCount ? count : undefined;
      },
      90_000,
      'the restarted worker to catch up',
    );
    expect(stored).toBe(acceptedCount);
    expect(await total('load', 'work_units', 'sum')).toBe(acceptedSum);
  }, 180_000);
});
