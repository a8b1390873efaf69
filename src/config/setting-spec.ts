import { z } from 'zod';
import { parseDuration } from '../core/index.js';

/** One setting: its flag, its VANTAGE_* variable, its default and its schema. */
export interface SettingSpec {
  readonly flag: string;
  readonly env: string;
  readonly description: string;
  /** Text as a user would write it; '' means none. */
  readonly default?: string;
  readonly schema: z.ZodType;
  /** Secrets are never logged nor shown in help. */
  readonly secret?: boolean;
  /** The flag may be given several times; its values reach the schema joined by a space. */
  readonly repeatable?: boolean;
}

export type SettingsTable = Readonly<Record<string, SettingSpec>>;

export type ParsedSettings<T extends SettingsTable> = { -readonly [K in keyof T]: z.output<T[K]['schema']> };

/** Raised at boot when a setting is wrong; the message names each bad setting's flag and variable. */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/**
 * Parses settings given as text (from flags, environment or a test), filling defaults. Returns the
 * parsed values and every problem, not only the first.
 */
export function parseSettings<T extends SettingsTable>(
  table: T,
  raw: Partial<Record<keyof T, string | undefined>>,
): { values: Partial<ParsedSettings<T>>; problems: string[] } {
  const problems: string[] = [];
  const values: Record<string, unknown> = {};
  for (const [key, spec] of Object.entries(table)) {
    const text = raw[key as keyof T] ?? spec.default;
    const result = spec.schema.safeParse(text);
    if (result.success) values[key] = result.data;
    else {
      const reason = result.error.issues.map((i) => i.message).join('; ');
      const shown = spec.secret ? '***' : JSON.stringify(text);
      problems.push(`${spec.flag} / ${spec.env} = ${shown}: ${reason}`);
    }
  }
  return { values: values as Partial<ParsedSettings<T>>, problems };
}

/** Values of a table's settings with secrets masked, for start-up log lines. */
export function redactSettings(
  table: SettingsTable,
  values: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...values };
  for (const [key, spec] of Object.entries(table)) {
    if (spec.secret && out[key] !== undefined) {
      const value = out[key];
      out[key] = Array.isArray(value) ? value.map(() => '***') : '***';
    }
  }
  return out;
}

// Digits only: coercion would read '' as 0 (a random port) and accept 0x1F90 or 1e3.
const digits = z.string().trim().regex(/^\d+$/, 'must be a whole number').transform(Number);
export const portSchema = digits.pipe(z.number().int().min(0).max(65535));
export const positiveIntSchema = digits.pipe(z.number().int().positive());
/** A limit's count: a whole number from 1 to 100,000,000. */
export const limitCountSchema = digits.pipe(z.number().int().min(1).max(100_000_000));
export const logLevelSchema = z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

/** Every command logs the same way. */
export const LOG_LEVEL_SETTING = {
  flag: '--log-level',
  env: 'VANTAGE_LOG_LEVEL',
  default: 'info',
  schema: logLevelSchema,
  description: 'Log level',
} as const satisfies SettingSpec;

/** `500ms`, `30s`, `5m`, `90d` to milliseconds, at least `minMs`. */
export function durationSchema(minMs = 1) {
  return z.string().transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined || ms < minMs) {
      ctx.addIssue({
        code: 'custom',
        message: `"${text}" is not a duration of at least ${minMs} ms, such as 500ms, 30s, 5m, 90d`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

/** Comma-separated text to a list of non-empty items. */
export const listSchema = z.string().transform((text) =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0),
);
