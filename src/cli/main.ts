#!/usr/bin/env node
import { Command } from 'commander';
import { ConfigError, SETTINGS, parseConfig, redactedConfig } from '../config/index.js';
import type { SettingKey, VantageConfig } from '../config/index.js';
import { createLogger } from '../telemetry/index.js';
import { registerAgentCommand } from './agent-command.js';
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

registerAgentCommand(program);

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
  console.error(err);
  process.exit(1);
});

/** A port in use is a setting to change, said as such; anything else goes on up. */
function exitIfPortTaken(err: unknown, config: VantageConfig): never {
  const e = err as NodeJS.ErrnoException & { port?: number };
  if (e.code === 'EADDRINUSE') {
    const key = (Object.keys(SETTINGS) as SettingKey[]).find(
      (k) => SETTINGS[k].flag.endsWith('-port') && config[k] === e.port,
    );
    const hint = key ? `: choose another with ${SETTINGS[key].flag} or ${SETTINGS[key].env}` : '';
    console.error(`Port ${e.port} is already in use${hint}.`);
    process.exit(2);
  }
  throw err;
}
