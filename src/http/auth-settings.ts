import { z } from 'zod';
import { listSchema, positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { FailedAuthThrottleOptions } from './failed-auth-throttle.js';

/**
 * The shortest key or token accepted. `vantage keys new` makes 43 characters (32 random bytes,
 * base64url). 32 characters are 192 bits in base64url and 128 in hex: out of reach of guessing
 * even at the full speed of the server, while a word a person made up ("changeme", "s3cret") is
 * not, whatever the throttle.
 */
export const MIN_SECRET_LENGTH = 32;

const tooShort = `must be at least ${MIN_SECRET_LENGTH} characters; make one with \`vantage keys new\``;

/**
 * Authentication of every HTTP port, shared by `vantage start` and the distributed roles.
 * docs/api.md explains each in context.
 */
export const AUTH_SETTINGS = {
  apiKeys: {
    flag: '--api-keys',
    env: 'VANTAGE_API_KEYS',
    default: '',
    schema: listSchema.refine(
      (keys) => keys.every((key) => key.length >= MIN_SECRET_LENGTH),
      `each key ${tooShort}`,
    ),
    secret: true,
    description:
      'Comma-separated API keys, each at least 32 characters (`vantage keys new`); empty means no authentication',
  },
  authFailuresPerMinute: {
    flag: '--auth-failures-per-minute',
    env: 'VANTAGE_AUTH_FAILURES_PER_MINUTE',
    default: '10',
    schema: positiveIntSchema,
    description:
      'Failed authentications per minute per client IP (and its burst); beyond it, 429 before any key is checked',
  },
  metricsToken: {
    flag: '--metrics-token',
    env: 'VANTAGE_METRICS_TOKEN',
    default: '',
    schema: z
      .string()
      .trim()
      .refine((token) => token === '' || token.length >= MIN_SECRET_LENGTH, `the token ${tooShort}`),
    secret: true,
    description:
      'Bearer token Prometheus sends to /metrics (all ports); empty: /metrics takes the API keys, or is open without them',
  },
} as const satisfies Record<string, SettingSpec>;

/** The parsed authentication settings of one process. */
export interface AuthSettings {
  readonly apiKeys: readonly string[];
  readonly metricsToken: string;
  readonly authFailuresPerMinute: number;
}

/** The failed-attempt throttle of one process, from the parsed settings. */
export function failedAuthThrottleOptions(values: AuthSettings): FailedAuthThrottleOptions {
  return { failuresPerMinute: values.authFailuresPerMinute };
}
