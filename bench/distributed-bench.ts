import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { REPO_ROOT } from '../test/support/vantage-process.js';
import { startRole, stopRole } from '../test/support/role-process.js';
import { runIngestBench } from './ingest-bench.js';
import { fmt, promValue } from './support.js';

/** Kafka and ClickHouse from the environment, or started by scripts/services.sh. */
export function services(): { kafka: string; clickhouse: string } {
  if (process.env.KAFKA_BROKERS && process.env.CLICKHOUSE_URL) {
    return { kafka: process.env.KAFKA_BROKERS, clickhouse: process.env.CLICKHOUSE_URL };
  }
  const out = execFileSync('bash', [join(REPO_ROOT, 'scripts', 'services.sh'), 'up'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const kafka = /KAFKA_BROKERS=(\S+)/.exec(out)?.[1];
  const clickhouse = /CLICKHOUSE_URL=(\S+)/.exec(out)?.[1];
  if (!kafka || !clickhouse) throw new Error(`scripts/services.sh up printed no service addresses:\n${out}`);
  return { kafka, clickhouse };
}

/**
 * The distributed targets of issue 3, one process per role on this machine: a collector
 * publishing to Kafka under the ingest bench's load (no worker running, so the collector has the
 * machine), then a worker alone draining that backlog into ClickHouse.
 */
export async function runDistributedBench(durationS: number, log: (s: string) => void): Promise<string[]> {
  const { kafka, clickhouse } = services();
  const run = randomBytes(4).toString('hex');
  const common = [
    '--kafka-brokers',
    kafka,
    '--kafka-topic',
    `bench-${run}`,
    '--kafka-partitions',
    '4',
    '--log-level',
    'warn',
  ];
  const collector = await startRole('collector', [...common, '--rate-limit-per-minute', '100000000']);
  let acked;
  try {
    acked = await runIngestBench(
      { collector: collector.url, pid: collector.child.pid as number },
      { series: 10_000, batch: 1_000, connections: 4, durationMs: durationS * 1000 },
      log,
    );
  } finally {
    await stopRole(collector);
  }
  const total = acked.accepted;
  log(`  worker: draining ${fmt(total, 0)} samples into ClickHouse`);
  const started = performance.now();
  const worker = await startRole('worker', [
    ...common,
    '--kafka-group',
    `bench-${run}`,
    '--clickhouse-url',
    clickhouse,
    '--clickhouse-database',
    `bench_${run}`,
  ]);
  let stored = 0;
  let elapsed = 0;
  try {
    const target = total;
    for (const deadline = Date.now() + 600_000; Date.now() < deadline;) {
      stored = await promValue(worker.metrics, 'vantage_worker_samples_stored_total');
      if (stored >= target) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    elapsed = (performance.now() - started) / 1000;
  } finally {
    await stopRole(worker);
  }
  return [
    '### Distributed: collector -> Kafka, worker -> ClickHouse',
    '',
    `Kafka 4.4 (one broker, KRaft) and ClickHouse 26.9 (chDB behind test/support's HTTP shim) on the same 2 cores. Collector: the ingest load above (10,000 series, batches of 1,000, 4 connections, ${durationS} s); a 202 means Kafka acknowledged (acks=all, idempotent, zstd). Worker: one process, 4 partitions, draining that backlog into ClickHouse (its time includes start-up, migrations and joining the group).`,
    '',
    '| collector samples/s acknowledged | p50 ms | p99 ms | collector peak RSS MB | worker samples/s stored | samples stored |',
    '|---|---|---|---|---|---|',
    `| ${fmt(acked.acceptedPerSecond, 0)} | ${fmt(acked.latencyMs.p50)} | ${fmt(acked.latencyMs.p99)} | ${fmt(acked.peakRssMb, 0)} | ${fmt(stored / elapsed, 0)} | ${fmt(stored, 0)} |`,
    '',
  ];
}
