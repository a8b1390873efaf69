import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { TierRetention } from '../core/index.js';
import type { Store } from '../storage/index.js';
import type { AlertSink, NotifierConfig } from './alert.js';
import type { AlertingRouteOptions } from './alerting-routes.js';
import type { AlertStateStore } from './alert-state-store.js';
import { Ruler } from './ruler.js';
import type { Leadership } from './ruler.js';
import { createRulerMetrics } from './ruler-metrics.js';
import { RulesDirectory } from './rules-directory.js';
import type { RulesLimits } from './rules-limits.js';

export interface AlertingServiceOptions {
  readonly store: Pick<Store, 'queryVql'>;
  readonly state: AlertStateStore;
  readonly sink: AlertSink;
  readonly logger: Logger;
  readonly registry: Registry;
  readonly limits: RulesLimits;
  readonly retention: TierRetention;
  /** '' : no rules directory, rules through the API only. */
  readonly rulesDir: string;
  readonly leadership?: Leadership;
  /** The notification side's hook for the rules directory's `notifiers:` sections. */
  readonly onNotifiers?: (notifiers: readonly NotifierConfig[]) => void;
}

/** The ruler as a process runs it: rules directory, schedule, routes' options, one close. */
export interface AlertingService {
  readonly ruler: Ruler;
  readonly routes: AlertingRouteOptions;
  /** Reads the rules directory again (SIGHUP). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function startAlerting(options: AlertingServiceOptions): Promise<AlertingService> {
  const logger = options.logger.child({ component: 'ruler' });
  const metrics = createRulerMetrics(options.registry);
  const ruler = new Ruler({
    store: options.store,
    state: options.state,
    sink: options.sink,
    logger,
    limits: options.limits,
    metrics,
    retention: options.retention,
    ...(options.leadership ? { leadership: options.leadership } : {}),
  });
  const directory =
    options.rulesDir === ''
      ? undefined
      : new RulesDirectory({
          dir: options.rulesDir,
          target: ruler,
          logger,
          onRefused: (problems) => metrics.refusedFiles.inc(new Set(problems.map((p) => p.file)).size),
          ...(options.onNotifiers ? { onNotifiers: options.onNotifiers } : {}),
        });
  await directory?.start();
  await ruler.start();
  return {
    ruler,
    routes: { ruler, state: options.state, fileProblems: () => directory?.problems ?? [] },
    reload: () => directory?.reload() ?? Promise.resolve(),
    close: async () => {
      directory?.stop();
      await ruler.stop();
      await options.state.close();
    },
  };
}
