import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { z } from 'zod';
import { METRIC_LIMITS } from '../core/index.js';
import { SCRAPE_SETTINGS } from '../agent/scrape/scrape-settings.js';
import { LOG_LEVEL_SETTING, durationSchema, portSchema, positiveIntSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';

/** Every setting of `vantage agent`, in the same form as the server's (settings.ts). */
export const AGENT_SETTINGS = {
  endpoint: {
    flag: '--endpoint',
    env: 'VANTAGE_ENDPOINT',
    default: 'http://localhost:8000',
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
    default: '10s',
    schema: durationSchema(1_000),
    description: 'How often to collect',
  },
  service: {
    flag: '--service',
    env: 'VANTAGE_AGENT_SERVICE',
    default: `host:${hostname()}`,
    schema: z
      .string()
      .max(METRIC_LIMITS.serviceMaxLength, `must be at most ${METRIC_LIMITS.serviceMaxLength} characters`)
      .regex(METRIC_LIMITS.servicePattern, 'may hold only letters, digits and _ . : / -'),
    description: 'Service name the host metrics are filed under',
  },
  metricsPort: {
    flag: '--metrics-port',
    env: 'VANTAGE_AGENT_METRICS_PORT',
    default: '9100',
    schema: portSchema,
    description: "Port of the agent's Prometheus /metrics (0: any free port)",
  },
  root: {
    flag: '--root',
    env: 'VANTAGE_AGENT_ROOT',
    default: '/',
    schema: z
      .string()
      .min(1)
      .transform((p) => resolve(p)),
    description: "Directory holding the host's /proc and /sys (e.g. /host in a container)",
  },
  bufferMaxSamples: {
    flag: '--buffer-max-samples',
    env: 'VANTAGE_AGENT_BUFFER_MAX_SAMPLES',
    default: '100000',
    schema: positiveIntSchema,
    description: 'Samples kept while the collector is unreachable; beyond it the oldest are dropped',
  },
  ...SCRAPE_SETTINGS,
  logLevel: LOG_LEVEL_SETTING,
} as const satisfies Record<string, SettingSpec>;
