import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { RoleConfig } from '../config/index.js';
import { tierRetention } from '../storage/index.js';
import {
  DataArrivals,
  StoreReachability,
  buildApiServer,
  createApiMetrics,
  distributedPipeline,
  healthMetricNames,
  queryCacheOptions,
  streamOptions,
} from '../api/index.js';
import { buildMetricsServer, httpServerSettings } from '../http/index.js';
import {
  LoggingAlertSink,
  notifySettings,
  openDistributedNotifications,
  rulesLimits,
  startDistributedAlerting,
} from '../alerting/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import type { RunningRole } from './running-role.js';
import { KafkaTail, kafkaBusOptions, requireKafkaClient } from '../bus/index.js';
import { BusLiveFeed } from './bus-live-feed.js';
import { queryStore } from './fallback-wiring.js';
import { clickHouseTraceStore } from './distributed-wiring.js';
import { DASHBOARD_DIR } from './dashboard-dir.js';
import { ProcessAuth } from './process-auth.js';

/** How often the API checks that ClickHouse answers, for /ready. */
const STORE_CHECK_MS = 5_000;

/**
 * `vantage api`: the query API on ClickHouse, read path only. It runs no migration: the worker
 * (or `vantage migrate`) owns the schema, and the API's user may hold only SELECT on it. Every API
 * also runs the ruler on its own tables (`alert_*`, `notify_*`); the one holding the ruler's Kafka
 * lease evaluates and notifies (docs/alerting.md, "High availability").
 */
export async function startApiRole(config: RoleConfig, logger: Logger): Promise<RunningRole> {
  // With brokers the stream tails Kafka: without the client it never could, so say so now.
  if (config.kafkaBrokers.length > 0) requireKafkaClient();
  const store = queryStore(config, logger);
  const traces = clickHouseTraceStore(config);
  const reachability = new StoreReachability(store, STORE_CHECK_MS);
  await reachability.start();
  const registry = createRoleRegistry('api', { processMetrics: true });
  const arrivals = new DataArrivals();
  const auth = new ProcessAuth(config);
  // The ruler (when this process runs it) hands its alerts to `notifications`, and calls its
  // reload() when it becomes the one that evaluates.
  const notifications = await openDistributedNotifications({
    clickhouse: clickhouseOf(config),
    settings: notifySettings(config),
    registry,
    logger,
  });
  const alerting = await startDistributedAlerting({
    store,
    clickhouse: clickhouseOf(config),
    kafkaBrokers: config.kafkaBrokers,
    rulerTopic: config.rulerTopic,
    clientId: `vantage-ruler-${config.instanceId}`,
    sink: new LoggingAlertSink(logger.child({ component: 'alerts' }), notifications),
    beforeLeading: () => notifications?.reload() ?? Promise.resolve(),
    ...(notifications ? { onNotifiers: (n) => notifications.setFileNotifiers(n) } : {}),
    logger,
    registry,
    limits: rulesLimits(config),
    retention: tierRetention(config),
    rulesDir: config.rulesDir,
  }).catch(async (err: unknown) => {
    reachability.stop();
    await notifications?.close();
    await store.close();
    throw err;
  });
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
    ...(notifications ? { notifications } : {}),
    traces,
    ...(alerting ? { alerting: alerting.routes } : {}),
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
    await alerting?.close();
    reachability.stop();
    await notifications?.close();
    await store.close();
    await traces.close();
    throw err;
  }
  logger.info({ ports, database: config.clickhouseDatabase }, 'query API started');
  return {
    ports,
    reload: () => alerting?.reload() ?? Promise.resolve(),
    close: async () => {
      await Promise.all(servers.map((s) => s.close()));
      // The ruler first, so that nothing is handed to notifications as they close.
      await alerting?.close();
      reachability.stop();
      await notifications?.close();
      await store.close();
      await traces.close();
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

function clickhouseOf(config: RoleConfig): {
  url: string;
  username: string;
  password: string;
  database: string;
} {
  return {
    url: config.clickhouseUrl,
    username: config.clickhouseUser,
    password: config.clickhousePassword,
    database: config.clickhouseDatabase,
  };
}
