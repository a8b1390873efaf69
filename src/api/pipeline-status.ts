import type { FastifyPluginAsync } from 'fastify';
import type { PipelineStatusResponse, PipelineTargetStatus } from '../core/index.js';
import type { Store } from '../storage/index.js';
import { parsePrometheusText } from './prometheus-text.js';
import type { PromSample } from './prometheus-text.js';
import { RoleSamples, busStatus, collectorStatus, stallStatus, workerStatus } from './pipeline-summary.js';

export type PipelineRole = 'collector' | 'worker';

/** A /metrics endpoint of a pipeline role. Without a role, the `role` label of its metrics says. */
export interface PipelineTarget {
  readonly url: string;
  readonly role?: PipelineRole;
}

export interface PipelineStatusOptions {
  /** Read at each request: embedded mode knows its ports only once it listens. */
  readonly targets: () => readonly PipelineTarget[];
  readonly bus: 'embedded' | 'kafka';
  /** Sent as `Authorization: Bearer` on each scrape: the scrape token, or an API key. */
  readonly credential?: string;
  /** How long one scrape may take before its target counts as down. */
  readonly scrapeTimeoutMs?: number;
}

export const DEFAULT_SCRAPE_TIMEOUT_MS = 2_000;

interface Scrape {
  readonly status: PipelineTargetStatus;
  readonly samples: readonly PromSample[];
}

/**
 * `GET /v1/pipeline`: the pipeline's state for the dashboard, from the roles' own Prometheus
 * metrics (each target scraped at the request, all at once) and the store's size.
 */
export interface PipelineRouteOptions extends PipelineStatusOptions {
  readonly store: Store;
}

export const pipelineRoutes: FastifyPluginAsync<PipelineRouteOptions> = async (app, options) => {
  const { store } = options;
  app.get(
    '/v1/pipeline',
    { schema: { summary: "The pipeline's state: collectors, bus, workers, storage (see docs/api.md)" } },
    async (): Promise<PipelineStatusResponse> => {
      const timeoutMs = options.scrapeTimeoutMs ?? DEFAULT_SCRAPE_TIMEOUT_MS;
      const [scrapes, storage] = await Promise.all([
        Promise.all(options.targets().map((t) => scrape(t, timeoutMs, options.credential))),
        storageStatus(store),
      ]);
      const of = (role: PipelineRole): RoleSamples => {
        const up = scrapes.filter((s) => s.status.role === role && s.status.up);
        return new RoleSamples(
          up.length > 0,
          up.flatMap((s) => s.samples),
        );
      };
      const worker = of('worker');
      const collector = of('collector');
      return {
        targets: scrapes.map((s) => s.status),
        collector: collectorStatus(collector),
        bus: busStatus(options.bus, worker),
        worker: workerStatus(worker),
        storage,
        stall: stallStatus(options.bus, collector, Date.now()),
      };
    },
  );
};

async function scrape(
  target: PipelineTarget,
  timeoutMs: number,
  credential: string | undefined,
): Promise<Scrape> {
  const down = (error: string): Scrape => ({
    status: { role: target.role ?? null, url: target.url, up: false, error },
    samples: [],
  });
  let text: string;
  try {
    const res = await fetch(target.url, {
      signal: AbortSignal.timeout(timeoutMs),
      ...(credential !== undefined ? { headers: { authorization: `Bearer ${credential}` } } : {}),
    });
    text = await res.text();
    if (!res.ok) return down(`HTTP ${res.status}`);
  } catch (err) {
    if (err instanceof Error && err.name === 'TimeoutError') return down(`no answer within ${timeoutMs} ms`);
    return down(describeFetchError(err));
  }
  let samples: PromSample[];
  try {
    samples = parsePrometheusText(text);
  } catch (err) {
    return down(`not Prometheus text: ${err instanceof Error ? err.message : String(err)}`);
  }
  const role = target.role ?? roleLabel(samples);
  if (role === undefined) {
    return down('its metrics have no role label "collector" or "worker": name the role as collector=URL');
  }
  return { status: { role, url: target.url, up: true, error: null }, samples };
}

function roleLabel(samples: readonly PromSample[]): PipelineRole | undefined {
  const role = samples.find((s) => s.labels.role !== undefined)?.labels.role;
  return role === 'collector' || role === 'worker' ? role : undefined;
}

/** fetch says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND ...) is in its cause. */
function describeFetchError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause;
  if (cause instanceof Error) {
    const code = (cause as NodeJS.ErrnoException).code;
    return code && !cause.message.includes(code) ? `${code}: ${cause.message}` : cause.message;
  }
  return err.message;
}

async function storageStatus(store: Store): Promise<PipelineStatusResponse['storage']> {
  try {
    const stats = await store.stats();
    return { kind: store.kind, series: stats.series, bytesOnDisk: stats.bytesOnDisk, error: null };
  } catch (err) {
    const error = err instanceof Error ? err.message : String(err);
    return { kind: store.kind, series: null, bytesOnDisk: null, error };
  }
}
