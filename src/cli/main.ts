#!/usr/bin/env -S node --max-semi-space-size=32
import { Command } from 'commander';
import {
  ConfigError,
  ROLE_SETTINGS,
  SETTINGS,
  parseConfig,
  parseRoleConfig,
  redactedConfig,
  redactedRoleConfig,
  roleSettings,
} from '../config/index.js';
import type { DistributedRole, RoleConfig, SettingKey } from '../config/index.js';
import { VantageError } from '../core/index.js';
import { createLogger } from '../telemetry/index.js';
import { registerAgentCommand } from './agent-command.js';
import { registerBackupCommands } from './backup-commands.js';
import { addSettingOptions, settingsText } from './options.js';
import { stopOnSignals } from './stop-on-signals.js';

// Each command loads its modules when it runs, so that `vantage agent` does not carry the
// server's (Fastify, SQLite) in memory.

const program = new Command();
program
  .name('vantage')
  .description(
    'Vantage: metrics collection, storage and queries. `vantage start` runs everything on one machine.',
  )
  .showHelpAfterError();

addSettingOptions(
  program
    .command('start')
    .description('Run embedded Vantage: collector, worker and query API in one process, storing in SQLite'),
  SETTINGS,
).action(async (flags: Record<string, unknown>) => {
  const config = parseConfig(settingsText(SETTINGS, flags, process.env));
  const logger = createLogger(config.logLevel);
  logger.info({ config: redactedConfig(config) }, 'starting embedded Vantage');
  const { startEmbedded } = await import('./embedded.js');
  const vantage = await startEmbedded(config, logger).catch((err: unknown) => exitIfPortTaken(err, config));
  stopOnSignals(logger, 'shutting down: draining requests, flushing, closing storage', () => vantage.close());
  process.on('SIGHUP', () => {
    logger.info('SIGHUP: reading the rules directory again');
    void vantage.reloadRules();
  });
});

program
  .command('rules')
  .description('Alerting rules')
  .command('check')
  .argument('<paths...>', 'rules directories or files')
  .description(
    'Check rules files offline, as the ruler would load them; exits 1 with the problems (file:line: field: reason)',
  )
  .action(async (paths: string[]) => {
    const { runRulesCheck } = await import('./rules-check.js');
    process.exitCode = await runRulesCheck(
      paths,
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  });

program
  .command('send-test-metrics')
  .description('Send demo data: a few services over the last hours, then live until stopped')
  .option(
    '--endpoint <url>',
    'Collector URL; env VANTAGE_ENDPOINT',
    process.env.VANTAGE_ENDPOINT ?? 'http://localhost:8000',
  )
  .option(
    '--api-key <key>',
    'API key, when the collector requires one; env VANTAGE_API_KEY',
    process.env.VANTAGE_API_KEY,
  )
  .option('--hours <n>', 'Hours of history to backfill', '3')
  .option(
    '--live <duration>',
    'How long to keep sending live data (e.g. 10m; 0 for none; default: until Ctrl-C)',
  )
  .option('--interval <duration>', 'Resolution of the generated data', '10s')
  .action(
    async (opts: { endpoint: string; apiKey?: string; hours: string; live?: string; interval: string }) => {
      const { runSendTestMetrics } = await import('./send-test-metrics.js');
      await runSendTestMetrics(opts);
    },
  );

// The distributed roles: each a process of its own, meeting the others through Kafka and ClickHouse.
const ROLES: Record<Exclude<DistributedRole, 'migrate'>, { description: string; stopping: string }> = {
  collector: {
    description: 'Run the collector: HTTP ingestion (POST /v1/metrics) publishing to Kafka',
    stopping: 'shutting down: draining requests, publishing what is pending',
  },
  worker: {
    description: 'Run a worker: consume Kafka, write ClickHouse (migrates the schema at start)',
    stopping: 'shutting down: writing what was read, leaving the consumer group',
  },
  api: {
    description: 'Run the query API on ClickHouse (read path only)',
    stopping: 'shutting down: finishing queries',
  },
};

for (const [role, text] of Object.entries(ROLES) as [
  keyof typeof ROLES,
  (typeof ROLES)[keyof typeof ROLES],
][]) {
  const settings = roleSettings(role);
  addSettingOptions(program.command(role).description(text.description), settings).action(
    async (flags: Record<string, unknown>) => {
      const config = parseRoleConfig(role, settingsText(settings, flags, process.env));
      const logger = createLogger(config.logLevel);
      logger.info({ config: redactedRoleConfig(config) }, `starting vantage ${role}`);
      const start = await roleStarter(role);
      const running = await start(config, logger).catch((err: unknown) => exitIfPortTaken(err, config));
      stopOnSignals(logger, text.stopping, () => running.close());
      const reload = running.reload;
      if (reload)
        process.on('SIGHUP', () => {
          logger.info('SIGHUP: reading the rules directory again');
          void reload();
        });
    },
  );
}

addSettingOptions(
  program.command('migrate').description('Apply the ClickHouse schema migrations and exit'),
  ROLE_SETTINGS,
).action(async (flags: Record<string, unknown>) => {
  const config = parseRoleConfig('migrate', settingsText(ROLE_SETTINGS, flags, process.env));
  const logger = createLogger(config.logLevel);
  const { clickHouseStore } = await import('./distributed-wiring.js');
  const store = clickHouseStore(config);
  try {
    const report = await store.migrate();
    logger.info({ ...report, database: store.database }, 'ClickHouse schema is current');
  } finally {
    await store.close();
  }
});

async function roleStarter(role: keyof typeof ROLES) {
  if (role === 'collector') return (await import('./collector-role.js')).startCollectorRole;
  if (role === 'worker') return (await import('./kafka-worker-role.js')).startKafkaWorkerRole;
  return (await import('./api-role.js')).startApiRole;
}

registerAgentCommand(program);
registerBackupCommands(program);

program
  .command('keys')
  .description('API keys and scrape tokens')
  .command('new')
  .description(
    'Print a new random key (32 bytes, base64url) for --api-keys or --metrics-token; nothing is stored',
  )
  .action(async () => {
    const { generateApiKey } = await import('../http/index.js');
    console.log(generateApiKey());
  });

program
  .command('inspect-bus')
  .description('Print the messages of the embedded log as JSON lines (read-only; safe while Vantage runs)')
  .option(
    '--data-dir <dir>',
    'Data directory; env VANTAGE_DATA_DIR',
    process.env.VANTAGE_DATA_DIR ?? './vantage-data',
  )
  .option('--from <offset>', 'Start at this offset (default: the oldest record kept)')
  .option('--limit <n>', 'Most messages to print', '10')
  .action(async (opts: { dataDir: string; from?: string; limit: string }) => {
    const { runInspectBus } = await import('./inspect-bus.js');
    await runInspectBus(opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  // A coded refusal at start (a missing optional dependency) says what to do; a trace would not.
  if (err instanceof VantageError) {
    console.error(`${err.code}: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});

/** A port in use is a setting to change, said as such; anything else goes on up. */
function exitIfPortTaken(err: unknown, config: Partial<Record<SettingKey, unknown>> | RoleConfig): never {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    const key = (Object.keys(SETTINGS) as SettingKey[]).find(
      (k) => SETTINGS[k].flag.endsWith('-port') && (config as Record<string, unknown>)[k] === e.port,
    );
    const hint = key ? `: choose another with ${SETTINGS[key].flag} or ${SETTINGS[key].env}` : '';
    console.error(`Port ${e.port} is already in use${hint}.`);
    process.exit(2);
  }
  throw err;
}
