import type { Command } from 'commander';
import { pino } from 'pino';
import { formatBodyForPeople, hostAgentOptions, previewCollection, startHostAgent } from '../agent/index.js';
import { AGENT_SETTINGS, parseAgentConfig } from '../config/index.js';
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
  const running = await startHostAgent({ ...hostAgentOptions(config), logger });
  logger.info(
    {
      endpoint: config.endpoint,
      service: config.service,
      interval: config.interval,
      root: config.root,
      bufferMaxSamples: config.bufferMaxSamples,
      apiKey: config.apiKey ? '***' : undefined,
      metrics: `${running.metricsAddress}/metrics`,
    },
    'agent started',
  );
  stopOnSignals(logger, 'agent stopping: sending what is buffered', () => running.stop());
}
