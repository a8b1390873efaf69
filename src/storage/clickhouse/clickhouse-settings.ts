import { z } from 'zod';
import { METRIC_LIMITS } from '../../core/index.js';
import { isHttpUrl, listSchema } from '../../config/setting-spec.js';
import type { ParsedSettings, SettingSpec } from '../../config/setting-spec.js';
import { answerLimits } from '../answer-limit-settings.js';
import { tierRetention, traceRetention } from '../retention-settings.js';
import type { ClickHouseStoreOptions } from './clickhouse-store.js';
import type { ClickHouseTraceStoreOptions } from './clickhouse-trace-store.js';

/** ClickHouse database and cluster names go into DDL unquoted: plain identifiers only. */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const IDENTIFIER_MESSAGE = 'must be a plain identifier: letters, digits and _, not first a digit';
const identifier = z.string().trim().regex(IDENTIFIER, IDENTIFIER_MESSAGE);

/**
 * Each rolled-up key adds about one rollup row per series carrying it and bucket, a write load
 * like a tier's: a handful of keys, chosen, not every key.
 */
export const MAX_ROLLUP_TAGS = 16;

const tagKey = (key: string): boolean =>
  METRIC_LIMITS.tagKeyPattern.test(key) && key.length <= METRIC_LIMITS.tagKeyMaxLength;

/** Empty text (an exported but empty variable) means none. */
const optionalIdentifier = z
  .string()
  .optional()
  .transform((text) => (text === undefined || text.trim() === '' ? undefined : text.trim()))
  .refine((name) => name === undefined || IDENTIFIER.test(name), IDENTIFIER_MESSAGE);

/** Where ClickHouse is for `vantage worker | api | migrate`, which require the URL (parseRoleConfig). */
export const CLICKHOUSE_SETTINGS = {
  clickhouseUrl: {
    flag: '--clickhouse-url',
    env: 'VANTAGE_CLICKHOUSE_URL',
    default: '',
    schema: z
      .string()
      .trim()
      .refine((text) => text === '' || isHttpUrl(text), {
        message: 'must be an http:// or https:// URL such as http://clickhouse:8123',
      }),
    description: 'ClickHouse HTTP URL, such as http://clickhouse:8123 (worker, api, migrate)',
  },
  clickhouseUser: {
    flag: '--clickhouse-user',
    env: 'VANTAGE_CLICKHOUSE_USER',
    default: 'default',
    schema: z.string().min(1, 'must not be empty'),
    description: 'ClickHouse user (the API needs only SELECT; see docs/operations.md)',
  },
  clickhousePassword: {
    flag: '--clickhouse-password',
    env: 'VANTAGE_CLICKHOUSE_PASSWORD',
    default: '',
    schema: z.string(),
    secret: true,
    description: 'ClickHouse password',
  },
  clickhouseDatabase: {
    flag: '--clickhouse-database',
    env: 'VANTAGE_CLICKHOUSE_DATABASE',
    default: 'vantage',
    schema: identifier,
    description: 'ClickHouse database holding the Vantage tables',
  },
  clickhouseCluster: {
    flag: '--clickhouse-cluster',
    env: 'VANTAGE_CLICKHOUSE_CLUSTER',
    default: '',
    schema: optionalIdentifier,
    description: 'ClickHouse cluster: replicated, sharded tables and ON CLUSTER DDL (empty: one server)',
  },
  rollupTags: {
    flag: '--rollup-tags',
    env: 'VANTAGE_ROLLUP_TAGS',
    default: '',
    schema: listSchema
      .refine(
        (keys) => keys.every(tagKey),
        'each key must be a tag key such as region (letters, digits, _ . -)',
      )
      .refine((keys) => keys.length <= MAX_ROLLUP_TAGS, `at most ${MAX_ROLLUP_TAGS} keys`),
    description:
      'Comma-separated tag keys whose values ClickHouse rolls up, added when migrating (migrate, worker); never removed automatically (docs/operations.md)',
  },
} as const satisfies Record<string, SettingSpec>;

/**
 * The ClickHouse store as the parsed settings describe it. `recordBatchTokens`: a fallback
 * worker's rows name their batch, for the query API's merge with its outbox.
 */
export function clickHouseStoreOptions(
  values: ParsedSettings<typeof CLICKHOUSE_SETTINGS> &
    Parameters<typeof tierRetention>[0] &
    Parameters<typeof answerLimits>[0],
  recordBatchTokens: boolean,
): ClickHouseStoreOptions {
  return {
    ...clickHouseServer(values),
    retention: tierRetention(values),
    answerLimits: answerLimits(values),
    recordBatchTokens,
    rollupTags: values.rollupTags,
  };
}

/** The ClickHouse trace store as the parsed settings describe it: same server and database. */
export function clickHouseTraceStoreOptions(
  values: ParsedSettings<typeof CLICKHOUSE_SETTINGS> & Parameters<typeof traceRetention>[0],
): ClickHouseTraceStoreOptions {
  return {
    ...clickHouseServer(values),
    retention: traceRetention(values),
  };
}

/** The server, its credentials, the database and the cluster: the same for every ClickHouse store. */
function clickHouseServer(values: ParsedSettings<typeof CLICKHOUSE_SETTINGS>) {
  return {
    url: values.clickhouseUrl,
    username: values.clickhouseUser,
    password: values.clickhousePassword,
    database: values.clickhouseDatabase,
    cluster: values.clickhouseCluster,
  };
}
