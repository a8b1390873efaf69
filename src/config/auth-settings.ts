import { z } from 'zod';
import { listSchema, positiveIntSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';

/**
 * The shortest key or token accepted. `vantage keys new` makes 43 characters (32 random bytes,
 * base64url). 32 characters are 192 bits in base64url and 128 in hex: out of reach of guessing
 * even at the full speed of the server, while a word a person made up ("changeme", "s3cret") is
 * not, whatever the throttle.
 */
export const MIN_SECRET_LENGTH = 32;

const tooShort = `must be at least ${MIN_SECRET_LENGTH} characters; make one with \`vantage keys new\``;

/** `--api-keys`: a comma-separated list, each key long enough. */
export const apiKeysSchema = listSchema.refine(
  (keys) => keys.every((key) => key.length >= MIN_SECRET_LENGTH),
  `each key ${tooShort}`,
);

/**
 * Authentication settings beside `--api-keys` (settings.ts), shared by `vantage start` and the
 * distributed roles. docs/api.md explains each in context.
 */
export const AUTH_SETTINGS = {
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
