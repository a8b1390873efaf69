import type { Command } from 'commander';
import { pino } from 'pino';
import { formatBodyForPeople, loadScrapeTargets, previewCollection, startHostAgent } from '../agent/index.js';
import type { ScrapeTarget } from '../agent/index.js';
import { AGENT_SETTINGS, ConfigError, parseAgentConfig } from '../config/index.js';
import type { AgentConfig } from '../config/index.js';
import { createLogger } from '../telemetry/index.js';
import { addSettingOptions, settingsText } from './options.js';
import { stopOnSignals } from './stop-on-signals.js';

/** Adds `vantage agent` to the program. */
export function registerAgentCommand(program: Command): void {
  const command = program
    .command('agent')
    .description(
      "Collect this host's metrics (CPU, memory, load, disks, network) every interval and send them to a collector",
    );
  addSettingOptions(command, AGENT_SETTINGS)
    .option('--once', 'Collect once (two reads 1 s apart), print the JSON body it would send, and exit')
    .action(async (flags: Record<string, unknown>) => {
      await runAgentCommand(
        parseAgentConfig(settingsText(AGENT_SETTINGS, flags, process.env)),
        flags.once === true,
      );
    });
}

async function runAgentCommand(config: AgentConfig, once: boolean): Promise<void> {
  if (once) {
    // stdout carries the JSON body; logs go to stderr.
    const logger = pino({ name: 'vantage-agent', level: config.logLevel }, pino.destination(2));
    const samples = await previewCollection({
      root: config.root,
      service: config.service,
      logger,
    });
    process.stdout.write(`${formatBodyForPeople(samples)}\n`);
    return;
  }
  const logger = createLogger(config.logLevel, 'vantage-agent');
  const targets = await scrapeTargets(config);
  const running = await startHostAgent({
    endpoint: config.endpoint,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    service: config.service,
    intervalMs: config.interval,
    root: config.root,
    bufferMaxSamples: config.bufferMaxSamples,
    metricsPort: config.metricsPort,
    logger,
    scrape: {
      targets,
      intervalMs: config.scrapeInterval,
      timeoutMs: config.scrapeTimeout,
      sampleLimit: config.scrapeSampleLimit,
      bodyMaxBytes: config.scrapeBodyMaxBytes,
    },
  });
  logger.info(
    {
      endpoint: config.endpoint,
      service: config.service,
      interval: config.interval,
      root: config.root,
      bufferMaxSamples: config.bufferMaxSamples,
      apiKey: config.apiKey ? '***' : undefined,
      metrics: `${running.metricsAddress}/metrics`,
      scrapeTargets: targets.map((t) => `${t.job}=${t.url}`),
    },
    'agent started',
  );
  stopOnSignals(logger, 'agent stopping: sending what is buffered', () => running.stop());
}

/** The targets of --scrape and --scrape-config; a bad file stops the agent at boot, naming it. */
async function scrapeTargets(config: AgentConfig): Promise<ScrapeTarget[]> {
  try {
    return await loadScrapeTargets(config.scrape, config.scrapeConfig);
  } catch (err) {
    const spec = AGENT_SETTINGS.scrapeConfig;
    throw new ConfigError([`${spec.flag} / ${spec.env}: ${(err as Error).message}`]);
  }
}
