import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SEED_BACKOFF } from '../core/index.js';
import type { RoleConfig, VantageConfig } from '../config/index.js';
import type { BusConsumer } from '../bus/index.js';
import type { SqliteOutbox, Store, TraceStore } from '../storage/index.js';
import {
  PipelineWorker,
  RetentionJob,
  createFallbackMetrics,
  createRetentionMetrics,
  createWorkerMetrics,
  workerBatching,
} from '../worker/index.js';
import { buildMetricsServer, httpServerSettings } from '../http/index.js';
import type { ReadinessCheck } from '../http/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import { ProcessAuth } from './process-auth.js';

/** The worker role: consume the bus into the store, run retention, serve its metrics (9092). */
export interface RunningWorker {
  readonly worker: PipelineWorker;
  readonly registry: Registry;
  readonly metricsPort: number;
  /** Closes the metrics port (at once for idle connections, after --shutdown-grace for the rest). */
  closeMetricsPort(): Promise<void>;
  stop(): Promise<void>;
}

export interface WorkerRoleOptions {
  readonly config: VantageConfig | RoleConfig;
  readonly logger: Logger;
  readonly consumer: BusConsumer;
  readonly store: Store;
  readonly source: string;
  readonly busName: string;
  readonly processMetrics: boolean;
  /** The circuit breaker and replay pinning of a ClickHouse worker (see PipelineWorkerOptions). */
  readonly breaker?: { readonly failureThreshold: number; readonly probeIntervalMs: number };
  readonly pinReplays?: boolean;
  /** With `--fallback sqlite`: the outbox batches go to while the breaker is open. */
  readonly fallback?: { readonly outbox: SqliteOutbox; readonly maxBytes: number };
  /** Called after each successful store write with its earliest minute (PipelineWorkerOptions). */
  readonly onStored?: (from: number) => void;
  /** Called with the worker before it starts: Kafka's onAssigned must reach it from the first poll. */
  readonly onCreated?: (worker: PipelineWorker, registry: Registry) => void;
  /** /ready and /health on the metrics port, for a worker that is a process of its own. */
  readonly readiness?: (worker: PipelineWorker) => Record<string, ReadinessCheck>;
  /** The trace store, whose retention the same job applies. */
  readonly traces?: TraceStore;
}

export async function startWorkerRole(o: WorkerRoleOptions): Promise<RunningWorker> {
  const registry = createRoleRegistry('worker', { processMetrics: o.processMetrics });
  const worker = new PipelineWorker(
    o.consumer,
    o.store,
    createWorkerMetrics(registry),
    o.logger.child({ component: 'worker' }),
    {
      source: o.source,
      busName: o.busName,
      ...workerBatching(o.config),
      backoff: SEED_BACKOFF,
      ...(o.breaker ? { breaker: o.breaker } : {}),
      ...(o.pinReplays ? { pinReplays: true } : {}),
      ...(o.onStored ? { onStored: o.onStored } : {}),
      ...(o.fallback
        ? { fallback: { ...o.fallback, metrics: createFallbackMetrics(registry, o.fallback.outbox) } }
        : {}),
    },
  );
  o.onCreated?.(worker, registry);
  await worker.start();
  const retention = new RetentionJob(
    o.store,
    o.config.retentionInterval,
    o.logger.child({ component: 'retention' }),
    createRetentionMetrics(registry, o.store.kind),
    o.traces,
  );
  retention.start();
  const metricsServer: FastifyInstance = await buildMetricsServer(registry, httpServerSettings(o.config), {
    auth: new ProcessAuth(o.config).metrics(registry),
    ...(o.readiness ? { health: { role: 'worker', readiness: o.readiness(worker) } } : {}),
  });
  await metricsServer.listen({ host: o.config.host, port: o.config.workerMetricsPort });
  const address = metricsServer.server.address();
  let metricsClosed: Promise<void> | undefined;
  const closeMetricsPort = (): Promise<void> => (metricsClosed ??= metricsServer.close());
  return {
    worker,
    registry,
    metricsPort: typeof address === 'object' && address ? address.port : 0,
    closeMetricsPort,
    stop: async () => {
      // The metrics port closes beside the drain, not after it: a scraper holding a connection
      // must not add its --shutdown-grace to the worker's.
      await Promise.all([
        closeMetricsPort(),
        (async () => {
          await worker.stop();
          await retention.stop();
        })(),
      ]);
    },
  };
}
