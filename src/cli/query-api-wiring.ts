import type { FastifyInstance } from 'fastify';
import type { PipelineStatusOptions, PipelineTarget } from '../api/index.js';

/**
 * GET /v1/pipeline in embedded mode: the collector's /metrics and the worker thread's, on this
 * machine. The collector's port is read at each request, since it is known only once it listens.
 */
export function embeddedPipeline(
  host: string,
  collector: FastifyInstance,
  workerMetricsPort: number,
  credential: string | undefined,
): PipelineStatusOptions {
  return {
    bus: 'embedded',
    ...(credential !== undefined ? { credential } : {}),
    targets: () => {
      const address = collector.server.address();
      const collectorPort = typeof address === 'object' && address !== null ? address.port : undefined;
      const targets: PipelineTarget[] = [{ role: 'worker', url: metricsUrl(host, workerMetricsPort) }];
      if (collectorPort !== undefined)
        targets.unshift({ role: 'collector', url: metricsUrl(host, collectorPort) });
      return targets;
    },
  };
}

/** Where a server listening on `host` is reached from this machine. */
function metricsUrl(host: string, port: number): string {
  const local = host === '0.0.0.0' || host === '' ? '127.0.0.1' : host === '::' ? '[::1]' : host;
  const bracketed = local.includes(':') && !local.startsWith('[') ? `[${local}]` : local;
  return `http://${bracketed}:${port}/metrics`;
}
