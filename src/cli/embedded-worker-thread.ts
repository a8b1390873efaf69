import { parentPort, workerData } from 'node:worker_threads';
import type { VantageConfig } from '../config/index.js';
import { EMBEDDED_WORKER_GROUP, EmbeddedConsumer, SegmentLogReader } from '../bus/index.js';
import {
  SqliteStore,
  SqliteTraceStore,
  embeddedPaths,
  tierRetention,
  traceRetention,
} from '../storage/index.js';
import { createEmbeddedLogGauges } from '../worker/index.js';
import { createLogger } from '../telemetry/index.js';
import { startSpanWorker } from './span-worker-role.js';
import { startWorkerRole } from './worker-role.js';

/**
 * The worker role of embedded Vantage, in a thread of its own: it tails the log the collector
 * writes in the main thread and writes the SQLite store, so that store writes never stall
 * ingestion and the machine's second core does them.
 */
export interface WorkerThreadData {
  readonly config: VantageConfig;
  readonly logDir: string;
  readonly logId: string;
  readonly durableEnd: number;
  /** The spans log, which the OTLP trace receivers write in the main thread. */
  readonly spans: { readonly logDir: string; readonly durableEnd: number };
}

export type ToWorkerThread =
  | { type: 'durable'; end: number }
  | { type: 'spans-durable'; end: number }
  | { type: 'close-port' }
  | { type: 'stop' };
export type FromWorkerThread =
  | { type: 'started'; metricsPort: number }
  | { type: 'status'; problem: string | undefined }
  | { type: 'stopped' }
  | { type: 'failed'; message: string }
  /** Aggregates from minute `from` on were stored: cached query answers reaching past it are stale. */
  | { type: 'stored'; from: number };

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('embedded-worker-thread runs only as a worker thread');
  const data = workerData as WorkerThreadData;
  const post = (m: FromWorkerThread): void => port.postMessage(m);
  const logger = createLogger(data.config.logLevel);
  const reader = new SegmentLogReader(data.logDir, data.durableEnd);
  await reader.refresh();
  const spanReader = new SegmentLogReader(data.spans.logDir, data.spans.durableEnd);
  await spanReader.refresh();
  port.on('message', (m: ToWorkerThread) => {
    if (m.type === 'durable') reader.advance(m.end);
    if (m.type === 'spans-durable') spanReader.advance(m.end);
  });
  const store = new SqliteStore({
    path: embeddedPaths(data.config).storeFile,
    retention: tierRetention(data.config),
  });
  const traces = new SqliteTraceStore({
    path: embeddedPaths(data.config).traceFile,
    retention: traceRetention(data.config),
  });
  const consumer = await EmbeddedConsumer.open(reader, EMBEDDED_WORKER_GROUP);
  const role = await startWorkerRole({
    config: data.config,
    logger,
    consumer,
    store,
    onStored: (from) => post({ type: 'stored', from }),
    source: `embedded:${data.logId}`,
    busName: 'embedded',
    processMetrics: false,
    traces,
    onCreated: (_worker, registry) =>
      createEmbeddedLogGauges(registry, () => ({
        logBytes: reader.durableEnd - reader.start,
        backlogBytes: consumer.backlogBytes,
      })),
  });
  // Its SQLite writes run on this thread too, off the collector's.
  const spanWorker = startSpanWorker({
    config: data.config,
    logger,
    consumer: await EmbeddedConsumer.open(spanReader, EMBEDDED_WORKER_GROUP),
    traces,
    registry: role.registry,
    busName: 'embedded',
  });
  let lastProblem: string | undefined;
  const status = setInterval(() => {
    const problem = role.worker.problem ?? spanWorker.problem;
    if (problem !== lastProblem) {
      lastProblem = problem;
      post({ type: 'status', problem: lastProblem });
    }
  }, 500);
  port.on('message', (m: ToWorkerThread) => {
    if (m.type === 'close-port') void role.closeMetricsPort();
    if (m.type !== 'stop') return;
    clearInterval(status);
    void (async () => {
      await Promise.all([role.stop(), spanWorker.stop()]);
      reader.close();
      spanReader.close();
      await store.close();
      await traces.close();
      post({ type: 'stopped' });
      port.close();
    })();
  });
  post({ type: 'started', metricsPort: role.metricsPort });
}

main().catch((err: unknown) => {
  parentPort?.postMessage({
    type: 'failed',
    message: err instanceof Error ? (err.stack ?? err.message) : String(err),
  } satisfies FromWorkerThread);
});
