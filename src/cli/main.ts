#!/usr/bin/env node
import { Command } from 'commander';
import { SETTINGS } from '../config/index.js';
import type { SettingKey } from '../config/index.js';
import { redactedConfig } from '../config/index.js';
import { createLogger } from '../telemetry/index.js';
import { startEmbedded } from './embedded.js';
import { ConfigError, addSettingOptions, resolveConfig } from './options.js';
import { runInspectBus } from './inspect-bus.js';
import { runSendTestMetrics } from './send-test-metrics.js';

function settingKeyOf(flag: string): SettingKey {
  return (Object.keys(SETTINGS) as SettingKey[]).find((k) => SETTINGS[k].flag === flag) as SettingKey;
}

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
  Object.keys(SETTINGS) as SettingKey[],
).action(async (flags: Record<string, unknown>) => {
  const config = resolveConfig(flags, process.env);
  const logger = createLogger(config.logLevel);
  logger.info({ config: redactedConfig(config) }, 'starting embedded Vantage');
  let vantage;
  try {
    vantage = await startEmbedded(config, logger);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { port?: number };
    if (e.code === 'EADDRINUSE') {
      const flag = Object.values(SETTINGS).find(
        (s) => s.flag.endsWith('-port') && config[settingKeyOf(s.flag)] === e.port,
      );
      console.error(
        `Port ${e.port} is already in use${flag ? `: choose another with ${flag.flag} or ${flag.env}` : ''}.`,
      );
      process.exit(2);
    }
    throw err;
  }
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests, flushing, closing storage');
    vantage.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
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
      await runSendTestMetrics(opts);
    },
  );

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
    await runInspectBus(opts);
  });

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
