/**
 * Smoke test for the real-service test infrastructure (scripts/services.sh).
 *
 * Proves that the Kafka broker and the ClickHouse engine started by
 * `scripts/services.sh up` are real and usable from Node:
 *  - ClickHouse through the official @clickhouse/client over HTTP (chDB shim),
 *  - Kafka through the Kafka CLI classes (no Node Kafka client is installed yet).
 *
 * Run:
 *   eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL
 *   npx vitest run test/support/services.smoke.int.test.ts
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClickHouseError, ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';

/** ClickHouse's default text form of a DateTime64(3) in UTC: `YYYY-MM-DD hh:mm:ss.sss`. */
function chDateTime64(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const SERVICES_SH = path.join(REPO_ROOT, 'scripts/services.sh');
const HOW_TO_START =
  'Start the real services first:\n' +
  '  eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL\n' +
  'then re-run this test in the same shell.';

function requiredEnv(name: 'KAFKA_BROKERS' | 'CLICKHOUSE_URL'): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set. ${HOW_TO_START}`);
  }
  return value;
}

interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `scripts/services.sh kafka-tool ...`, optionally feeding stdin. */
function kafkaTool(args: string[], input?: string, timeoutMs = 45_000): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [SERVICES_SH, 'kafka-tool', ...args], {
      cwd: REPO_ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`kafka-tool ${args.join(' ')} timed out after ${timeoutMs}ms\n${stderr}`));
    }, timeoutMs);
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

async function kafkaToolOk(args: string[], input?: string): Promise<string> {
  const res = await kafkaTool(args, input);
  if (res.code !== 0) {
    throw new Error(`kafka-tool ${args.join(' ')} exited ${res.code}:\n${res.stderr}${res.stdout}`);
  }
  return res.stdout;
}

describe('real services smoke test', () => {
  let kafkaBrokers: string;
  let clickhouseUrl: string;

  beforeAll(() => {
    kafkaBrokers = requiredEnv('KAFKA_BROKERS');
    clickhouseUrl = requiredEnv('CLICKHOUSE_URL');
  });

  describe('ClickHouse (chDB behind the HTTP shim) via @clickhouse/client', () => {
    const database = `vantage_smoke_${Date.now()}_${randomUUID().slice(0, 8)}`;
    let client: ClickHouseClient;

    beforeAll(async () => {
      client = createClient({
        url: clickhouseUrl,
        // exercise gzip both ways, like a production client configuration would
        compression: { request: true, response: true },
        // the error test below provokes a server error on purpose; keep the client quiet about it
        log: { level: ClickHouseLogLevel.OFF },
      });
      const ping = await client.ping();
      expect(ping.success).toBe(true);
    });

    afterAll(async () => {
      if (client) {
        await client.command({ query: `DROP DATABASE IF EXISTS ${database}` }).catch(() => undefined);
        await client.close();
      }
    });

    it('reports a current ClickHouse engine', async () => {
      const rs = await client.query({
        query: 'SELECT version() AS version, serverTimezone() AS tz',
        format: 'JSONEachRow',
      });
      const [row] = await rs.json<{ version: string; tz: string }>();
      const major = Number(row?.version.split('.')[0]);
      expect(major).toBeGreaterThanOrEqual(24);
    });

    it('creates a MergeTree table, deduplicates by insert_deduplication_token, and reads rows back with query parameters', async () => {
      await client.command({ query: `CREATE DATABASE ${database}` });
      const table = `${database}.metric_points`;
      await client.command({
        query: `
          CREATE TABLE ${table} (
            ts      DateTime64(3, 'UTC'),
            service LowCardinality(String),
            name    String,
            value   Float64,
            labels  Map(String, String)
          )
          ENGINE = MergeTree
          PARTITION BY toYYYYMMDD(ts)
          ORDER BY (service, name, ts)
          TTL toDateTime(ts) + INTERVAL 7 DAY
          SETTINGS non_replicated_deduplication_window = 100`,
      });

      const create = await client.query({ query: `SHOW CREATE TABLE ${table}`, format: 'TabSeparatedRaw' });
      const ddl = await create.text();
      expect(ddl).toContain('TTL');
      expect(ddl).toContain('non_replicated_deduplication_window = 100');
      expect(ddl).toContain('LowCardinality(String)');

      const base = Date.now() - 60_000;
      const rows = [
        // Note: a bare number for a DateTime64 column is read as *seconds* by ClickHouse, not milliseconds.
        {
          ts: chDateTime64(base),
          service: 'api',
          name: 'http_requests',
          value: 1.5,
          labels: { route: '/a', code: '200' },
        },
        {
          ts: chDateTime64(base + 1),
          service: 'api',
          name: 'http_requests',
          value: 2.5,
          labels: { route: '/b' },
        },
        { ts: chDateTime64(base + 2), service: 'worker', name: 'jobs', value: 7, labels: {} },
      ];

      const first = await client.insert({
        table,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'smoke-batch-1' },
      });
      expect(first.executed).toBe(true);
      expect(first.summary?.written_rows).toBe('3');

      // Same token again: a retried batch must not be stored twice.
      await client.insert({
        table,
        values: rows,
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'smoke-batch-1' },
      });
      const count = async (): Promise<number> => {
        const rs = await client.query({ query: `SELECT count() AS c FROM ${table}`, format: 'JSONEachRow' });
        const [r] = await rs.json<{ c: string | number }>();
        return Number(r?.c);
      };
      expect(await count()).toBe(3);

      // A different token is a different batch and is stored.
      await client.insert({
        table,
        values: rows.slice(0, 1),
        format: 'JSONEachRow',
        clickhouse_settings: { insert_deduplication_token: 'smoke-batch-2' },
      });
      expect(await count()).toBe(4);

      const rs = await client.query({
        query: `
          SELECT ts, service, name, value, labels, labels['route'] AS route
          FROM ${table}
          WHERE service = {service:String} AND ts >= {since:DateTime64(3)}
          ORDER BY ts, value`,
        query_params: { service: 'api', since: new Date(base - 1000) },
        format: 'JSONEachRow',
      });
      const got = await rs.json<{
        ts: string;
        service: string;
        name: string;
        value: number;
        labels: Record<string, string>;
        route: string;
      }>();
      expect(got).toHaveLength(3);
      expect(got.map((r) => r.route)).toEqual(['/a', '/a', '/b']);
      expect(got[0]?.labels).toEqual({ route: '/a', code: '200' });
      expect(got[2]?.value).toBe(2.5);
      expect(got[0]?.ts).toBe(chDateTime64(base));
      expect(got.every((r) => r.service === 'api' && r.name === 'http_requests')).toBe(true);
    });

    it('applies the TTL clause (expired rows are removed)', async () => {
      const table = `${database}.ttl_probe`;
      await client.command({
        query: `CREATE TABLE ${table} (ts DateTime, v UInt8) ENGINE = MergeTree ORDER BY ts TTL ts + INTERVAL 1 DAY`,
      });
      await client.insert({
        table,
        values: [
          { ts: Math.floor(Date.now() / 1000) - 3 * 86_400, v: 1 }, // expired
          { ts: Math.floor(Date.now() / 1000), v: 2 },
        ],
        format: 'JSONEachRow',
      });
      await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
      const rs = await client.query({
        query: `SELECT groupArray(v) AS vs FROM ${table}`,
        format: 'JSONEachRow',
      });
      expect(await rs.json()).toEqual([{ vs: [2] }]);
    });

    it('surfaces server errors as ClickHouseError with the ClickHouse code and type', async () => {
      const err = await client
        .query({ query: `SELECT * FROM ${database}.does_not_exist` })
        .then(() => undefined)
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ClickHouseError);
      expect((err as ClickHouseError).code).toBe('60');
      expect((err as ClickHouseError).type).toBe('UNKNOWN_TABLE');
    });
  });

  describe('Kafka (KRaft broker) via the Kafka CLI classes', () => {
    const topic = `vantage-smoke-${Date.now()}-${randomUUID().slice(0, 8)}`;

    afterAll(async () => {
      if (kafkaBrokers) {
        await kafkaTool(['topics', '--bootstrap-server', kafkaBrokers, '--delete', '--topic', topic]).catch(
          () => undefined,
        );
      }
    });

    it('creates a topic, produces a keyed message and consumes it back', async () => {
      const versions = await kafkaToolOk(['broker-api-versions', '--bootstrap-server', kafkaBrokers]);
      expect(versions).toMatch(/Produce\(0\)/);

      await kafkaToolOk([
        'topics',
        '--bootstrap-server',
        kafkaBrokers,
        '--create',
        '--topic',
        topic,
        '--partitions',
        '4',
        '--replication-factor',
        '1',
      ]);
      const described = await kafkaToolOk([
        'topics',
        '--bootstrap-server',
        kafkaBrokers,
        '--describe',
        '--topic',
        topic,
      ]);
      expect(described).toMatch(/PartitionCount:\s*4/);

      const payload = JSON.stringify({ id: randomUUID(), metric: 'smoke', value: 42 });
      await kafkaToolOk(
        [
          'console-producer',
          '--bootstrap-server',
          kafkaBrokers,
          '--topic',
          topic,
          '--reader-property',
          'parse.key=true',
          '--reader-property',
          'key.separator=|',
          '--producer-property',
          'acks=all',
        ],
        `tenant-1|${payload}\n`,
      );

      const consumed = await kafkaToolOk([
        'console-consumer',
        '--bootstrap-server',
        kafkaBrokers,
        '--topic',
        topic,
        '--from-beginning',
        '--max-messages',
        '1',
        '--timeout-ms',
        '20000',
        '--formatter-property',
        'print.key=true',
        '--formatter-property',
        'key.separator=|',
      ]);
      expect(consumed.trim()).toBe(`tenant-1|${payload}`);
    }, 120_000);
  });
});
