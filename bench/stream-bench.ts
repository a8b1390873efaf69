import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';
import { fmt, percentile, promValue, rssBytes, startServer } from './support.js';
import type { Server } from './support.js';

/**
 * `GET /v1/stream` under load: many subscribed WebSocket clients on one embedded Vantage process
 * while the collector ingests at a steady rate. Measures, for every (client, request) pair, the
 * time from the collector's 202 to the client receiving the request's points, and the server
 * process's CPU and memory with and without the streams.
 */
export interface StreamBenchShape {
  readonly clients: number;
  readonly services: number;
  /** Series (routes) per service in every request; each client watches one service. */
  readonly seriesPerService: number;
  readonly requestsPerSecond: number;
  readonly seconds: number;
}

export interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

export interface StreamBenchResult {
  readonly shape: StreamBenchShape;
  readonly requests: number;
  readonly expectedDeliveries: number;
  readonly deliveries: number;
  /** Deliveries that came before the bench process had read the 202 (counted as 0 ms). */
  readonly beforeAck: number;
  /** From the 202 to receipt, ms. */
  readonly fromAck: Latency;
  /** From sending the POST to receipt, ms: ingestion included. */
  readonly fromSend: Latency;
  readonly over2s: number;
  readonly dropped: number;
  /** Server side, means over the streaming phase: collector flush -> fan-out, and one fan-out. */
  readonly feedDelayMeanMs: number;
  readonly fanOutMeanMs: number;
  /** The load generator (clients included): its CPU and event-loop delay, which receipts wait on. */
  readonly generatorCpuPercent: number;
  readonly generatorLoopDelayP99Ms: number;
  readonly baseline: ProcessUsage;
  readonly idleWithClients: ProcessUsage;
  readonly streaming: ProcessUsage;
}

export interface ProcessUsage {
  /** CPU time over wall time, % of one core (the server has a worker thread: up to 200 %). */
  readonly cpuPercent: number;
  readonly rssMb: number;
}

function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Runs `during` while measuring the server's CPU share and its RSS at the end. */
async function usage(pid: number, during: () => Promise<void>): Promise<ProcessUsage> {
  const cpu0 = cpuSeconds(pid);
  const t0 = performance.now();
  await during();
  const wall = (performance.now() - t0) / 1000;
  return { cpuPercent: (100 * (cpuSeconds(pid) - cpu0)) / wall, rssMb: rssBytes(pid) / 2 ** 20 };
}

/** Each request: one sample per series, its value the request's number, so receipts name it. */
function requestBody(seq: number, shape: StreamBenchShape): string {
  const metrics = [];
  for (let s = 0; s < shape.services; s++) {
    for (let r = 0; r < shape.seriesPerService; r++) {
      metrics.push({ service: `svc-${s}`, name: 'latency_ms', value: seq, tags: { route: `/r${r}` } });
    }
  }
  return JSON.stringify({ metrics });
}

interface IngestLog {
  readonly sentAt: number[];
  readonly ackAt: number[];
}

/** Posts one request every 1/rps s, one at a time (so each is a bus message of its own). */
async function ingest(
  collector: string,
  shape: StreamBenchShape,
  durationMs: number,
  firstSeq: number,
  record: IngestLog | undefined,
): Promise<number> {
  const interval = 1000 / shape.requestsPerSecond;
  const start = performance.now();
  let seq = firstSeq;
  for (let i = 0; performance.now() - start < durationMs; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const body = requestBody(seq, shape);
    const sent = performance.now();
    const res = await fetch(`${collector}/v1/metrics`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    await res.arrayBuffer();
    if (res.status !== 202) throw new Error(`collector answered ${res.status}`);
    if (record) {
      record.sentAt[seq] = sent;
      record.ackAt[seq] = performance.now();
    }
    seq++;
  }
  return seq;
}

function summary(values: number[]): Latency {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
  };
}

export async function runStreamBench(
  server: Server,
  shape: StreamBenchShape,
  log: (s: string) => void,
): Promise<StreamBenchResult> {
  const pid = server.child.pid as number;
  const wsUrl = `${server.api.replace(/^http/, 'ws')}/v1/stream`;
  // Warm-up, then the same ingest with no stream open.
  let seq = await ingest(server.collector, shape, 3_000, 0, undefined);
  log(`  baseline: ingest without streams, ${shape.seconds} s`);
  const baseline = await usage(pid, async () => {
    seq = await ingest(server.collector, shape, shape.seconds * 1000, seq, undefined);
  });

  log(`  opening ${shape.clients} streams`);
  const received: { seq: number; at: number }[] = [];
  const sockets: WebSocket[] = [];
  for (let i = 0; i < shape.clients; i += 100) {
    const batch = Array.from({ length: Math.min(100, shape.clients - i) }, (_, k) => {
      const n = i + k;
      return new Promise<WebSocket>((resolve, reject) => {
        const ws = new WebSocket(wsUrl);
        ws.once('error', reject);
        ws.on('message', (data) => {
          const at = performance.now();
          const m = JSON.parse(String(data)) as { type: string; points?: { last: number }[] };
          if (m.type === 'subscribed') resolve(ws);
          else if (m.type === 'data') received.push({ seq: m.points?.[0]?.last ?? -1, at });
        });
        ws.once('open', () =>
          ws.send(
            JSON.stringify({
              type: 'subscribe',
              id: 'dash',
              service: `svc-${n % shape.services}`,
              metric: 'latency_ms',
            }),
          ),
        );
      });
    });
    sockets.push(...(await Promise.all(batch)));
  }
  const idleWithClients = await usage(pid, () => sleep(5_000));

  log(`  streaming: ${shape.clients} clients, ${shape.requestsPerSecond} requests/s, ${shape.seconds} s`);
  const record: IngestLog = { sentAt: [], ackAt: [] };
  const firstSeq = seq;
  received.length = 0;
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const ownCpu = process.cpuUsage();
  const t0 = performance.now();
  const streaming = await usage(pid, async () => {
    seq = await ingest(server.collector, shape, shape.seconds * 1000, firstSeq, record);
  });
  const cpu = process.cpuUsage(ownCpu);
  const generatorCpuPercent = (100 * (cpu.user + cpu.system)) / 1000 / (performance.now() - t0);
  loopDelay.disable();
  await sleep(3_000);
  const dropped = await promValue(server.apiMetrics, 'vantage_api_stream_clients_dropped_total');
  const mean = async (name: string) =>
    (1000 * (await promValue(server.apiMetrics, `${name}_sum`))) /
    (await promValue(server.apiMetrics, `${name}_count`));
  const feedDelayMeanMs = await mean('vantage_api_stream_feed_delay_seconds');
  const fanOutMeanMs = await mean('vantage_api_stream_fanout_duration_seconds');
  for (const ws of sockets) ws.terminate();

  const requests = seq - firstSeq;
  const fromAck: number[] = [];
  const fromSend: number[] = [];
  let beforeAck = 0;
  for (const r of received) {
    const ack = record.ackAt[r.seq];
    const sent = record.sentAt[r.seq];
    if (ack === undefined || sent === undefined) continue;
    if (r.at < ack) beforeAck++;
    fromAck.push(Math.max(0, r.at - ack));
    fromSend.push(r.at - sent);
  }
  return {
    shape,
    requests,
    expectedDeliveries: requests * shape.clients,
    deliveries: fromAck.length,
    beforeAck,
    fromAck: summary(fromAck),
    fromSend: summary(fromSend),
    over2s: fromAck.filter((ms) => ms > 2_000).length,
    dropped,
    feedDelayMeanMs,
    fanOutMeanMs,
    generatorCpuPercent,
    generatorLoopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    baseline,
    idleWithClients,
    streaming,
  };
}

/** The benchmark on a fresh embedded server, as docs/benchmarks.md shows it. */
export async function streamBenchSection(seconds: number, log: (s: string) => void): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-stream-'));
  const server = await startServer(dir);
  const shape: StreamBenchShape = {
    clients: Number(process.env.BENCH_STREAM_CLIENTS ?? 1_000),
    services: 50,
    seriesPerService: 10,
    requestsPerSecond: Number(process.env.BENCH_STREAM_RPS ?? 10),
    seconds,
  };
  let r: StreamBenchResult;
  try {
    r = await runStreamBench(server, shape, log);
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const samplesPerSecond = shape.services * shape.seriesPerService * shape.requestsPerSecond;
  const usageRow = (what: string, u: ProcessUsage) =>
    `| ${what} | ${fmt(u.cpuPercent, 0)} | ${fmt(u.rssMb, 0)} |`;
  return [
    '### Live stream (WebSocket, embedded)',
    '',
    `Load: ${fmt(shape.clients)} WebSocket clients on one embedded Vantage process, each subscribed to one of ${shape.services} services' \`latency_ms\` (${shape.seriesPerService} series each, so every point goes to ${fmt(shape.clients / shape.services)} clients); the collector takes ${shape.requestsPerSecond} requests/s of ${fmt(shape.services * shape.seriesPerService)} samples (${fmt(samplesPerSecond)} samples/s), one request at a time, for ${seconds} s. Clients and load generator share one process; the server runs in its own.`,
    '',
    '| deliveries (client x request) | missing | 202 -> receipt p50 ms | p99 ms | max ms | over 2 s | send -> receipt p50 ms | p99 ms | clients dropped |',
    '|---|---|---|---|---|---|---|---|---|',
    `| ${fmt(r.deliveries)} of ${fmt(r.expectedDeliveries)} | ${fmt(r.expectedDeliveries - r.deliveries)} | ${fmt(r.fromAck.p50)} | ${fmt(r.fromAck.p99)} | ${fmt(r.fromAck.max)} | ${r.over2s} | ${fmt(r.fromSend.p50)} | ${fmt(r.fromSend.p99)} | ${r.dropped} |`,
    '',
    `${fmt(r.beforeAck)} deliveries reached their client before the load generator had read the 202 (counted as 0 ms). Server side (means): collector flush to fan-out ${fmt(r.feedDelayMeanMs, 2)} ms, one fan-out to ${fmt(shape.clients)} streams ${fmt(r.fanOutMeanMs, 2)} ms. The load generator, which reads all ${fmt(shape.clients)} sockets, used ${fmt(r.generatorCpuPercent, 0)} % of a core with an event-loop delay p99 of ${fmt(r.generatorLoopDelayP99Ms)} ms: receipts queue behind each other there.`,
    '',
    '| server process | CPU, % of one core | RSS MB |',
    '|---|---|---|',
    usageRow('ingest, no streams', r.baseline),
    usageRow(`${fmt(shape.clients)} streams open, no ingest`, r.idleWithClients),
    usageRow(`ingest + ${fmt(shape.clients)} streams`, r.streaming),
    '',
  ];
}
