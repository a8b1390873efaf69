import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RoleConfig } from '../config/index.js';
import { tierRetention } from '../storage/index.js';
import type { Store } from '../storage/index.js';
import { buildApiServer, createApiMetrics, healthMetricNames, streamOptions } from '../api/index.js';
import { buildMetricsServer, httpServerSettings } from '../http/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import type { RunningRole } from './collector-role.js';
import { KafkaTail, requireKafkaClient } from '../bus/index.js';
import { BusLiveFeed } from './bus-live-feed.js';
import { kafkaBusOptions } from './distributed-wiring.js';
import { queryStore } from './fallback-wiring.js';
import { distributedPipeline, queryCacheOptions } from './query-api-wiring.js';
import { DASHBOARD_DIR } from './dashboard-dir.js';
import { ProcessAuth } from './process-auth.js';

/** How often the API checks that ClickHouse answers, for /ready. */
const STORE_CHECK_MS = 5_000;

/**
 * `vantage api`: the query API on ClickHouse, read path only. It runs no migration: the worker
 * (or `vantage migrate`) owns the schema, and the API's user may hold only SELECT.
 */
export async function startApiRole(config: RoleConfig, logger: Logger): Promise<RunningRole> {
  // With brokers the stream tails Kafka: without the client it never could, so say so now.
  if (config.kafkaBrokers.length > 0) requireKafkaClient();
  const store = queryStore(config, logger);
  const reachability = new StoreReachability(store, STORE_CHECK_MS);
  await reachability.start();
  const registry = createRoleRegistry('api', { processMetrics: true });
  const arrivals = new DataArrivals();
  const auth = new ProcessAuth(config);
  const api = await buildApiServer({
    logger,
    store,
    metrics: createApiMetrics(registry),
    apiKeys: auth.apiKeys(registry),
    retention: tierRetention(config),
    maxPointsPerSeries: config.maxPointsPerSeries,
    readiness: { store: () => reachability.problem },
    queryCache: { ...queryCacheOptions(config), storedData: arrivals.listen },
    healthMetrics: healthMetricNames(config),
    pipeline: distributedPipeline(config, auth.scrapeCredential),
    dashboardDir: DASHBOARD_DIR,
    http: httpServerSettings(config),
    stream: streamOptions(config, registry, ...liveFeed(config, logger, arrivals.heard)),
  });
  const servers: FastifyInstance[] = [];
  const listen = async (app: FastifyInstance, port: number): Promise<number> => {
    await app.listen({ host: config.host, port });
    servers.push(app);
    return (app.server.address() as AddressInfo).port;
  };
  let ports: Record<string, number>;
  try {
    ports = {
      api: await listen(api, config.apiPort),
      apiMetrics: await listen(
        await buildMetricsServer(registry, httpServerSettings(config), { auth: auth.metrics(registry) }),
        config.apiMetricsPort,
      ),
    };
  } catch (err) {
    for (const s of servers) await s.close();
    reachability.stop();
    await store.close();
    throw err;
  }
  logger.info({ ports, database: config.clickhouseDatabase }, 'query API started');
  return {
    ports,
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      reachability.stop();
      await store.close();
      logger.info('query API stopped');
    },
  };
}

/**
 * The stream's feed: a Kafka tail of the API's own (no consumer group the workers use, nothing
 * committed). Without brokers the API still serves queries, and the stream answers 503.
 */
function liveFeed(
  config: RoleConfig,
  logger: Logger,
  onArrival: (from: number) => void,
): [BusLiveFeed | undefined, string | undefined] {
  if (config.kafkaBrokers.length === 0) return [undefined, 'vantage api was started without --kafka-brokers'];
  const bus = kafkaBusOptions(config, 'api');
  const feed = new BusLiveFeed(
    () =>
      KafkaTail.connect(bus, {
        onError: (err) => logger.warn({ err }, 'the live feed could not read Kafka'),
      }),
    onArrival,
  );
  return [feed, undefined];
}

/**
 * How long after a message passes through Kafka a worker has written it, when workers keep up:
 * their batch window (at most 5 s) and the insert. Until then, cached answers over its minutes
 * are not kept.
 */
export const WORKER_WRITE_WITHIN_MS = 15_000;

/**
 * News of data on its way to ClickHouse, from the live feed's tail of Kafka, for the query cache.
 * The API does not hear of the workers' writes themselves: a message seen here is taken to be
 * stored within WORKER_WRITE_WITHIN_MS.
 */
class DataArrivals {
  private readonly listeners: ((from: number, pendingMs?: number) => void)[] = [];

  readonly listen = (listener: (from: number, pendingMs?: number) => void): void => {
    this.listeners.push(listener);
  };

  readonly heard = (from: number): void => {
    for (const listener of this.listeners) listener(from, WORKER_WRITE_WITHIN_MS);
  };
}

/** Asks the store a cheap question now and then; /ready is synchronous and reads the last answer. */
class StoreReachability {
  private timer: NodeJS.Timeout | undefined;
  private lastProblem: string | undefined;

  constructor(
    private readonly store: Store,
    private readonly intervalMs: number,
  ) {}

  get problem(): string | undefined {
    return this.lastProblem;
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async check(): Promise<void> {
    try {
      await this.store.stats();
      this.lastProblem = undefined;
    } catch (err) {
      this.lastProblem = `store not answering: ${err instanceof Error ? err.message : String(err)}`;
    }
  }
}
