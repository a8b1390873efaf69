import { hostname } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { pino } from 'pino';
import { z } from 'zod';
import { formatBodyForPeople, previewCollection, startHostAgent, WIRE_LIMITS } from '../agent/index.js';
import { parseDuration } from '../core/index.js';
import { createLogger } from '../telemetry/index.js';
import { ConfigError } from './options.js';

/** `vantage agent`'s settings: flag, variable, default, schema, as in src/config/settings.ts. */
interface AgentSettingSpec {
  readonly flag: string;
  readonly env?: string;
  readonly description: string;
  readonly default?: () => string;
  readonly schema: z.ZodType;
  readonly secret?: boolean;
}

const digits = z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number);

const AGENT_SETTINGS = {
  endpoint: {
    flag: '--endpoint',
    env: 'VANTAGE_ENDPOINT',
    default: () => 'http://localhost:8000',
    schema: z
      .string()
      .trim()
      .refine((text) => URL.canParse(text) && /^https?:$/.test(new URL(text).protocol), {
        message: 'must be an http:// or https:// URL such as http://localhost:8000',
      }),
    description: 'Collector base URL (metrics go to POST {endpoint}/v1/metrics)',
  },
  apiKey: {
    flag: '--api-key',
    env: 'VANTAGE_API_KEY',
    // An empty variable (`VANTAGE_API_KEY=` in a compose file) means no key, as an unset one does.
    schema: z
      .string()
      .optional()
      .transform((key) => (key === '' ? undefined : key)),
    secret: true,
    description: 'API key, when the collector requires one',
  },
  interval: {
    flag: '--interval',
    env: 'VANTAGE_AGENT_INTERVAL',
    default: () => '10s',
    schema: z.string().transform((text, ctx) => {
      const ms = parseDuration(text);
      if (ms === undefined || ms < 1_000) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not a duration of at least 1s, such as 10s` });
        return z.NEVER;
      }
      return ms;
    }),
    description: 'How often to collect',
  },
  service: {
    flag: '--service',
    env: 'VANTAGE_AGENT_SERVICE',
    default: () => `host:${hostname()}`,
    schema: z
      .string()
      .max(WIRE_LIMITS.serviceMaxLength, `must be at most ${WIRE_LIMITS.serviceMaxLength} characters`)
      .regex(WIRE_LIMITS.servicePattern, 'may hold only letters, digits and _ . : / -'),
    description: 'Service name the host metrics are filed under',
  },
  metricsPort: {
    flag: '--metrics-port',
    env: 'VANTAGE_AGENT_METRICS_PORT',
    default: () => '9100',
    schema: digits.pipe(z.number().int().max(65535, 'must be a port number, 0 to 65535')),
    description: "Port of the agent's Prometheus /metrics (0: any free port)",
  },
  root: {
    flag: '--root',
    env: 'VANTAGE_AGENT_ROOT',
    default: () => '/',
    schema: z
      .string()
      .min(1)
      .transform((p) => resolve(p)),
    description: "Directory holding the host's /proc and /sys (e.g. /host in a container)",
  },
  bufferMaxSamples: {
    flag: '--buffer-max-samples',
    env: 'VANTAGE_AGENT_BUFFER_MAX_SAMPLES',
    default: () => '100000',
    schema: digits.pipe(z.number().int().min(1, 'must be at least 1')),
    description: 'Samples kept while the collector is unreachable; beyond it the oldest are dropped',
  },
  logLevel: {
    flag: '--log-level',
    env: 'VANTAGE_LOG_LEVEL',
    default: () => 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    description: 'Log level',
  },
} as const satisfies Record<string, AgentSettingSpec>;

type AgentSettingKey = keyof typeof AGENT_SETTINGS;
export type AgentConfig = {
  -readonly [K in AgentSettingKey]: z.output<(typeof AGENT_SETTINGS)[K]['schema']>;
} & {
  once: boolean;
};

/** Flags first, then variables, then defaults; every bad setting named by its flag and variable. */
export function parseAgentConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): AgentConfig {
  const problems: string[] = [];
  const out: Record<string, unknown> = { once: flags.once === true };
  for (const [key, spec] of Object.entries(AGENT_SETTINGS) as [AgentSettingKey, AgentSettingSpec][]) {
    const flag = flags[key];
    const text =
      typeof flag === 'string' ? flag : ((spec.env ? env[spec.env] : undefined) ?? spec.default?.());
    const result = spec.schema.safeParse(text);
    if (result.success) out[key] = result.data;
    else {
      const reason = result.error.issues.map((i) => i.message).join('; ');
      const shown = spec.secret ? '***' : JSON.stringify(text);
      problems.push(`${spec.flag}${spec.env ? ` / ${spec.env}` : ''} = ${shown}: ${reason}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as AgentConfig;
}

/** Adds `vantage agent` to the program. */
export function registerAgentCommand(program: Command): void {
  const command = program
    .command('agent')
    .description(
      "Collect this host's metrics (CPU, memory, load, disks, network) every interval and send them to a collector",
    );
  for (const spec of Object.values(AGENT_SETTINGS) as AgentSettingSpec[]) {
    const shown = spec.default && !spec.secret ? ` (default: ${spec.default()})` : '';
    command.option(`${spec.flag} <value>`, `${spec.description}; env ${spec.env}${shown}`);
  }
  command
    .option('--once', 'Collect once (two reads 1 s apart), print the JSON body it would send, and exit')
    .action(async (flags: Record<string, unknown>) => {
      await runAgentCommand(parseAgentConfig(flags, process.env));
    });
}

async function runAgentCommand(config: AgentConfig): Promise<void> {
  if (config.once) {
    // stdout carries the JSON body; logs go to stderr.
    const logger = pino({ name: 'vantage-agent', level: config.logLevel }, pino.destination(2));
    const samples = await previewCollection({
      root: config.root,
      service: config.service,
      logger,
      gapMs: 1_000,
    });
    process.stdout.write(`${formatBodyForPeople(samples)}\n`);
    return;
  }
  const logger = createLogger(config.logLevel, 'vantage-agent');
  const running = await startHostAgent({
    endpoint: config.endpoint,
    ...(config.apiKey ? { apiKey: config.apiKey } : {}),
    service: config.service,
    intervalMs: config.interval,
    root: config.root,
    bufferMaxSamples: config.bufferMaxSamples,
    metricsPort: config.metricsPort,
    logger,
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
    },
    'agent started',
  );
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'agent stopping: sending what is buffered');
    running.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'unclean shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
