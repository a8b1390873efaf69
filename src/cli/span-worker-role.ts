import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { SEED_BACKOFF } from '../core/index.js';
import type { RoleConfig, VantageConfig } from '../config/index.js';
import type { BusConsumer } from '../bus/index.js';
import type { TraceStore } from '../storage/index.js';
import { SpanWorker, createSpanWorkerMetrics, workerBatching } from '../worker/index.js';
import type { SpanWorkerOptions } from '../worker/index.js';

export interface SpanWorkerRoleOptions extends Pick<SpanWorkerOptions, 'busName' | 'breaker' | 'fallback'> {
  readonly config: VantageConfig | RoleConfig;
  readonly logger: Logger;
  /** A consumer of the spans bus: the embedded spans log, or the Kafka spans topic. */
  readonly consumer: BusConsumer;
  readonly traces: TraceStore;
  /** The worker role's registry: span metrics beside the aggregate worker's, on the same port. */
  readonly registry: Registry;
}

/**
 * Starts the span worker beside the aggregate worker, with the same batching settings and the
 * seed's backoff. Its retention runs in the worker role's RetentionJob (startWorkerRole's
 * `traces`).
 */
export function startSpanWorker(o: SpanWorkerRoleOptions): SpanWorker {
  const worker = new SpanWorker(
    o.consumer,
    o.traces,
    createSpanWorkerMetrics(o.registry),
    o.logger.child({ component: 'span-worker' }),
    {
      busName: o.busName,
      ...workerBatching(o.config),
      backoff: SEED_BACKOFF,
      ...(o.breaker ? { breaker: o.breaker } : {}),
      ...(o.fallback ? { fallback: o.fallback } : {}),
    },
  );
  worker.start();
  return worker;
}
