import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { VantageConfig } from '../config/index.js';
import {
  EMBEDDED_WORKER_GROUP,
  EmbeddedProducer,
  SegmentLog,
  SegmentLogBacklog,
  SegmentLogTail,
} from '../bus/index.js';
import {
  answerLimits,
  embeddedPaths,
  queryThreadOptions,
  SqliteStore,
  SqliteTraceStore,
  tierRetention,
  traceRetention,
} from '../storage/index.js';
import {
  buildApiServer,
  createApiMetrics,
  healthMetricNames,
  queryCacheOptions,
  streamOptions,
} from '../api/index.js';
import { buildMetricsServer, httpServerSettings } from '../http/index.js';
import {
  LoggingAlertSink,
  SqliteAlertStateStore,
  alertingStateFile,
  notifySettings,
  openEmbeddedNotifications,
  rulesLimits,
  startAlerting,
} from '../alerting/index.js';
import type { NotificationService } from '../alerting/index.js';
import { createRoleRegistry } from '../telemetry/index.js';
import type { FromWorkerThread, ToWorkerThread, WorkerThreadData } from './embedded-worker-thread.js';
import { buildCollectorApp } from './collector-app.js';
import { BusLiveFeed } from './bus-live-feed.js';
import { embeddedPipeline } from './query-api-wiring.js';
import { DASHBOARD_DIR } from './dashboard-dir.js';
import { ProcessAuth } from './process-auth.js';

/** A running embedded Vantage: every role on this machine, the bus and the store on local disk. */
export interface EmbeddedVantage {
  /**
   * The notification side: the AlertSink the ruler hands its alerts to, and where the rules
   * loader puts the rules files' `notifiers:` (`setFileNotifiers`).
   */
  readonly notifications: NotificationService;
  readonly ports: {
    collector: number;
    api: number;
    apiMetrics: number;
    workerMetrics: number;
    /** Absent when turned off (`off`). */
    otlpHttp?: number;
    otlpGrpc?: number;
  };
  /** Reads the rules directory again (SIGHUP). */
  reloadRules(): Promise<void>;
  /**
   * Drains requests (for at most --shutdown-grace), publishes and writes what is pending, then
   * closes storage.
   */
  close(): Promise<void>;
}

/**
 * Starts the collector and the query API in this thread and the worker in a worker thread. They
 * meet only through the log (bus) and the SQLite file (store), as the roles of a distributed
 * deployment meet through Kafka and ClickHouse.
 */
export async function startEmbedded(config: VantageConfig, logger: Logger): Promise<EmbeddedVantage> {
  await mkdir(config.dataDir, { recursive: true });
  const paths = embeddedPaths(config);
  const log = await SegmentLog.open({ dir: paths.logDir });
  // Opened (and migrated) before the worker thread opens it too.
  const store = new SqliteStore({
    path: paths.storeFile,
    retention: tierRetention(config),
    // The API's reads run on threads of their own: a slow query must not stall this thread.
    ...queryThreadOptions(config),
    answerLimits: answerLimits(config),
  });
  // Spans have a log of their own (<data-dir>/spans-bus, with its own consumer and backlog: the OTLP
  // trace receivers publish to it) and a SQLite file of their own, migrated here before the worker
  // thread opens it.
  const spanLog = await SegmentLog.open({ dir: paths.spanLogDir });
  const traces = new SqliteTraceStore({
    path: paths.traceFile,
    retention: traceRetention(config),
    ...queryThreadOptions(config),
  });
  const worker = await startWorkerThread(config, log, spanLog, logger);
  // The collector and the API share one failed-attempt throttle; the worker thread has its own.
  const auth = new ProcessAuth(config);

  const {
    app: collector,
    otlp,
    publisher,
    spanPublisher,
  } = await buildCollectorApp(
    config,
    new EmbeddedProducer(log),
    new EmbeddedProducer(spanLog),
    'embedded',
    logger,
    { bus: () => undefined },
    auth,
    new SegmentLogBacklog(log, EMBEDDED_WORKER_GROUP),
  );
  const apiRegistry = createRoleRegistry('api', { processMetrics: false });
  const notifications = await openEmbeddedNotifications({
    dataDir: config.dataDir,
    settings: notifySettings(config),
    registry: apiRegistry,
    logger,
  });
  const alerting = await startAlerting({
    store,
    state: new SqliteAlertStateStore(alertingStateFile(config)),
    sink: new LoggingAlertSink(logger.child({ component: 'alerts' }), notifications),
    onNotifiers: (notifiers) => notifications.setFileNotifiers(notifiers),
    logger,
    registry: apiRegistry,
    limits: rulesLimits(config),
    retention: tierRetention(config),
    rulesDir: config.rulesDir,
  });
  const api = await buildApiServer({
    logger,
    store,
    metrics: createApiMetrics(apiRegistry),
    apiKeys: auth.apiKeys(apiRegistry),
    retention: tierRetention(config),
    maxPointsPerSeries: config.maxPointsPerSeries,
    readiness: { store: () => (worker.problem ? `store writes failing: ${worker.problem}` : undefined) },
    queryCache: { ...queryCacheOptions(config), storedData: worker.onStored },
    healthMetrics: healthMetricNames(config),
    pipeline: embeddedPipeline(config.host, collector, worker.metricsPort, auth.scrapeCredential),
    dashboardDir: DASHBOARD_DIR,
    notifications,
    traces,
    http: httpServerSettings(config),
    alerting: alerting.routes,
    // Tails the log from its end, beside the worker: it commits nothing, so it keeps no record alive.
    stream: streamOptions(
      config,
      apiRegistry,
      new BusLiveFeed(
        async () =>
          new SegmentLogTail(log, {
            onError: (err) =>
              logger.warn({ err }, 'the live feed lost its place in the log and skipped ahead'),
          }),
      ),
    ),
  });

  const servers: FastifyInstance[] = [];
  const listen = async (app: FastifyInstance, port: number): Promise<number> => {
    await app.listen({ host: config.host, port });
    servers.push(app);
    return (app.server.address() as AddressInfo).port;
  };
  const ports = {
    collector: await listen(collector, config.collectorPort),
    api: await listen(api, config.apiPort),
    apiMetrics: await listen(
      await buildMetricsServer(apiRegistry, httpServerSettings(config), { auth: auth.metrics(apiRegistry) }),
      config.apiMetricsPort,
    ),
    workerMetrics: worker.metricsPort,
    ...(await otlp.listen(config.host)),
  };
  logger.info({ ports, dataDir: config.dataDir }, 'embedded Vantage started');

  let closing: Promise<void> | undefined;
  return {
    ports,
    notifications,
    reloadRules: () => alerting.reload(),
    close: () =>
      (closing ??= (async () => {
        // Every port at once: each stops taking requests, answers those in flight (an ingest
        // request gets its 202 once its samples are durable) and closes its idle connections at
        // once and the rest after --shutdown-grace. Then the pipeline drains as it would anyway.
        worker.closePort();
        await Promise.all([...servers.map((s) => s.close()), otlp.close()]);
        // The ruler stops first, so that nothing is handed to notifications as they close; deliveries
        // in flight make their last attempt and what was sent is logged before the store closes.
        await alerting.close();
        await notifications.close();
        await Promise.all([publisher.close(), spanPublisher.close()]);
        await worker.stop();
        await store.close();
        await traces.close();
        await Promise.all([log.close(), spanLog.close()]);
        logger.info('embedded Vantage stopped');
      })()),
  };
}

interface WorkerThread {
  readonly metricsPort: number;
  readonly problem: string | undefined;
  /** Calls `listener(from)` after each store write, with the write's earliest minute. */
  onStored(listener: (from: number) => void): void;
  /** Starts closing the thread's metrics port, beside the main thread's ports. */
  closePort(): void;
  stop(): Promise<void>;
}

async function startWorkerThread(
  config: VantageConfig,
  log: SegmentLog,
  spanLog: SegmentLog,
  logger: Logger,
): Promise<WorkerThread> {
  const data: WorkerThreadData = {
    config,
    logDir: log.directory,
    logId: log.id,
    durableEnd: log.durableEnd,
    spans: { logDir: spanLog.directory, durableEnd: spanLog.durableEnd },
  };
  const thread = new Worker(new URL('./embedded-worker-thread.js', import.meta.url), { workerData: data });
  const send = (m: ToWorkerThread): void => thread.postMessage(m);
  log.onDurable((end) => send({ type: 'durable', end }));
  spanLog.onDurable((end) => send({ type: 'spans-durable', end }));
  let problem: string | undefined;
  let stopped: () => void = () => undefined;
  const storedListeners: ((from: number) => void)[] = [];
  const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
  const metricsPort = await new Promise<number>((resolve, reject) => {
    thread.on('message', (m: FromWorkerThread) => {
      if (m.type === 'started') resolve(m.metricsPort);
      else if (m.type === 'status') problem = m.problem;
      else if (m.type === 'stored') for (const listener of storedListeners) listener(m.from);
      else if (m.type === 'stopped') stopped();
      else if (m.type === 'failed') {
        logger.fatal({ error: m.message }, 'the worker thread failed');
        reject(new Error(`the worker thread failed: ${m.message}`));
      }
    });
    thread.once('error', reject);
    thread.once('exit', (code) => reject(new Error(`the worker thread exited (${code}) before it started`)));
  });
  let stopping = false;
  thread.on('error', (err) => {
    problem = `the worker thread failed: ${err.message}`;
    logger.error({ err }, 'the worker thread failed; samples are kept in the log until a restart');
  });
  thread.on('exit', (code) => {
    if (!stopping) problem ??= `the worker thread exited (${code})`;
  });
  return {
    metricsPort,
    get problem() {
      return problem;
    },
    onStored: (listener) => void storedListeners.push(listener),
    closePort: () => send({ type: 'close-port' }),
    stop: async () => {
      stopping = true;
      const done = new Promise<void>((resolve) => (stopped = resolve));
      send({ type: 'stop' });
      await Promise.race([done, exited]);
      await thread.terminate();
    },
  };
}
