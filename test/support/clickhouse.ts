/** Helpers for integration tests against the ClickHouse engine started by scripts/services.sh. */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import type { ClickHouseClient } from '@clickhouse/client';
import { startProcess } from './prometheus-process.js';
import { VENV_PYTHON } from './prometheus-client-app.js';
import { REPO_ROOT, freePort } from './vantage-process.js';

export function clickHouseUrl(): string {
  const url = process.env.CLICKHOUSE_URL;
  if (!url) {
    throw new Error(
      'CLICKHOUSE_URL is not set. Start the real services first:\n' +
        '  eval "$(scripts/services.sh up)" && export KAFKA_BROKERS CLICKHOUSE_URL\n' +
        'then re-run this test in the same shell.',
    );
  }
  return url;
}

/** A database name of its own for each test run, so runs never see each other's rows. */
export function freshDatabaseName(prefix = 'vantage_test'): string {
  return `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString('hex')}`;
}

export function adminClient(url = clickHouseUrl()): ClickHouseClient {
  return createClient({ url, request_timeout: 120_000 });
}

/** A ClickHouse engine of one test's own, and the directory its BACKUPs may write to. */
export interface PrivateClickHouse {
  readonly url: string;
  readonly backups: string;
  stop(): Promise<void>;
}

/**
 * The chDB shim of scripts/services.sh, on a free port with its data in `dir`, configured to
 * allow BACKUP to `File(...)` under `dir/backups` (ClickHouse's `backups.allowed_path`, a server
 * setting the shared engine does not have).
 */
export async function startBackupClickHouse(dir: string): Promise<PrivateClickHouse> {
  if (!existsSync(VENV_PYTHON)) {
    throw new Error(`${VENV_PYTHON} is missing: run scripts/services.sh install (it installs chDB)`);
  }
  const backups = join(dir, 'backups');
  mkdirSync(backups, { recursive: true });
  const config = join(dir, 'config.xml');
  writeFileSync(
    config,
    `<clickhouse><backups><allowed_path>${backups}/</allowed_path></backups></clickhouse>\n`,
  );
  const port = await freePort();
  const shim = await startProcess(
    VENV_PYTHON,
    [
      join(REPO_ROOT, 'test', 'support', 'chdb_http_server.py'),
      '--port',
      String(port),
      '--data-dir',
      join(dir, 'data'),
      '--config-file',
      config,
      '--log-level',
      'WARNING',
    ],
    `http://127.0.0.1:${port}`,
    '/ping',
    // As scripts/services.sh runs it: the engine's server time zone is what the stores expect.
    { ...process.env, TZ: 'UTC' },
  );
  return { url: shim.url, backups, stop: () => shim.stop() };
}

export async function dropDatabase(client: ClickHouseClient, database: string): Promise<void> {
  if (!/^[A-Za-z0-9_]+$/.test(database)) throw new Error(`unexpected database name ${database}`);
  await client.command({ query: `DROP DATABASE IF EXISTS ${database} SYNC` });
}

export async function scalar(
  client: ClickHouseClient,
  query: string,
  params: Record<string, unknown> = {},
): Promise<number> {
  const result = await client.query({ query, query_params: params, format: 'JSONEachRow' });
  const [row] = await result.json<Record<string, unknown>>();
  return Number(Object.values(row ?? {})[0]);
}

const SERIES = 10_000;
const MINUTES = 120; // 720 samples per series at 10 s
const SAMPLES_PER_MINUTE = 6;
/** Inserts a series' minute may come from, for the batch-token measurement. */
const BATCHES_PER_MINUTE = 48;

type ColumnClass = 'time' | 'lastTs' | 'count' | 'float' | 'sketch' | 'tags' | 'id';

const COLUMNS: [string, string, ColumnClass][] = [
  ['service_name', 'LowCardinality(String)', 'id'],
  ['metric_name', 'LowCardinality(String)', 'id'],
  ['type', 'LowCardinality(String)', 'id'],
  ['series_id', 'UInt64', 'id'],
  ['timestamp', "DateTime('UTC')", 'time'],
  ['tags', 'Map(LowCardinality(String), String)', 'tags'],
  ['samples', 'UInt64', 'count'],
  ['value_sum', 'Float64', 'float'],
  ['value_min', 'Float64', 'float'],
  ['value_max', 'Float64', 'float'],
  ['value_last', 'Float64', 'float'],
  ['last_ts', "DateTime64(3, 'UTC')", 'lastTs'],
  ['sketch_zero', 'Float64', 'float'],
  ['sketch_pos', 'Map(Int32, Float64)', 'sketch'],
  ['sketch_neg', 'Map(Int32, Float64)', 'sketch'],
];

const VARIANTS: Record<string, Partial<Record<ColumnClass, string>>> = {
  lz4_default: {},
  zstd1: {
    time: 'ZSTD(1)',
    lastTs: 'ZSTD(1)',
    count: 'ZSTD(1)',
    float: 'ZSTD(1)',
    sketch: 'ZSTD(1)',
    tags: 'ZSTD(1)',
    id: 'ZSTD(1)',
  },
  gorilla: {
    time: 'DoubleDelta, ZSTD(1)',
    lastTs: 'DoubleDelta, ZSTD(1)',
    count: 'T64, ZSTD(1)',
    float: 'Gorilla, ZSTD(1)',
    sketch: 'ZSTD(1)',
    tags: 'ZSTD(1)',
  },
  delta_zstd: {
    time: 'DoubleDelta, ZSTD(1)',
    lastTs: 'Delta, ZSTD(1)',
    count: 'T64, ZSTD(1)',
    float: 'ZSTD(1)',
    sketch: 'ZSTD(1)',
    tags: 'ZSTD(1)',
  },
  delta_zstd3: {
    time: 'DoubleDelta, ZSTD(3)',
    lastTs: 'Delta, ZSTD(3)',
    count: 'T64, ZSTD(3)',
    float: 'ZSTD(3)',
    sketch: 'ZSTD(3)',
    tags: 'ZSTD(3)',
  },
};

export interface CodecMeasurement {
  readonly table: string;
  readonly rows: number;
  readonly bytesOnDisk: number;
  readonly bytesPerRow: number;
  readonly bytesPerSample: number;
  readonly columns?: Record<string, number>;
}

/**
 * The measurement quoted in docs/operations.md: 10,000 gauge series x 720 samples at 10 s,
 * pre-aggregated per minute (1.2 M rows), into the store's minute table and into copies with other
 * codecs; sizes after OPTIMIZE FINAL from system.parts / system.columns. Also the same samples
 * stored raw, one row each, for comparison.
 */
export async function measureCodecs(client: ClickHouseClient, db: string): Promise<CodecMeasurement[]> {
  const settings = { max_execution_time: 600, max_partitions_per_insert_block: '1000' };
  const gammaLn = 'log(1.01 / 0.99)';
  await client.command({
    query: `INSERT INTO ${db}.metrics (service_name, metric_name, type, series_id, timestamp, tags, samples,
        value_sum, value_min, value_max, value_last, last_ts, sketch_zero, sketch_pos, sketch_neg)
      SELECT concat('svc-', toString(s % 20)), concat('metric_', toString(intDiv(s, 20) % 25)), 'gauge',
        cityHash64(s), ts, map('host', concat('host-', toString(intDiv(s, 40))), 'region', ['eu', 'us', 'ap'][s % 3 + 1]),
        ${SAMPLES_PER_MINUTE}, arraySum(vals), arrayMin(vals), arrayMax(vals), vals[${SAMPLES_PER_MINUTE}],
        toDateTime64(ts, 3, 'UTC') + toIntervalMillisecond(50000 + cityHash64(s, m) % 1000), 0,
        mapFromArrays(sk.1, sk.2), map()
      FROM (
        SELECT number % ${SERIES} AS s, intDiv(number, ${SERIES}) AS m,
          toDateTime('2024-01-01 00:00:00', 'UTC') + m * 60 AS ts,
          arrayMap(k -> round((10 + s % 490) * (1 + 0.2 * sin((m * ${SAMPLES_PER_MINUTE} + k) / 40 + s))
                              + (cityHash64(s, m, k) % 1000) / 100, 2), range(${SAMPLES_PER_MINUTE})) AS vals,
          arrayReduce('sumMap', [arrayMap(v -> toInt32(ceil(log(v) / ${gammaLn})), vals)],
                      [arrayMap(v -> toFloat64(1), vals)]) AS sk
        FROM numbers(${SERIES * MINUTES}))`,
    clickhouse_settings: settings,
  });
  const out: CodecMeasurement[] = [];
  const measure = async (table: string, samples: number): Promise<void> => {
    await client.command({ query: `OPTIMIZE TABLE ${db}.${table} FINAL`, clickhouse_settings: settings });
    const rows = await scalar(client, `SELECT count() FROM ${db}.${table}`);
    const bytes = await scalar(
      client,
      'SELECT sum(bytes_on_disk) FROM system.parts WHERE database = {db:String} AND table = {t:String} AND active',
      { db, t: table },
    );
    const perColumn = await client.query({
      query:
        'SELECT name, data_compressed_bytes AS b FROM system.columns WHERE database = {db:String} AND table = {t:String}',
      query_params: { db, t: table },
      format: 'JSONEachRow',
    });
    const columns = Object.fromEntries(
      (await perColumn.json<{ name: string; b: string }>()).map((c) => [c.name, Number(c.b)]),
    );
    out.push({
      table,
      rows,
      bytesOnDisk: bytes,
      bytesPerRow: Number((bytes / rows).toFixed(3)),
      bytesPerSample: Number((bytes / samples).toFixed(3)),
      columns,
    });
  };
  const samples = SERIES * MINUTES * SAMPLES_PER_MINUTE;
  await measure('metrics', samples);
  for (const [name, codecs] of Object.entries(VARIANTS)) {
    const cols = COLUMNS.map(
      ([c, type, cls]) => `${c} ${type}${codecs[cls] ? ` CODEC(${codecs[cls]})` : ''}`,
    );
    await client.command({
      query: `CREATE TABLE ${db}.v_${name} (${cols.join(', ')}) ENGINE = MergeTree PARTITION BY toYYYYMM(timestamp)
        ORDER BY (service_name, metric_name, type, series_id, timestamp)`,
    });
    await client.command({
      query: `INSERT INTO ${db}.v_${name} SELECT ${COLUMNS.map(([c]) => c).join(', ')} FROM ${db}.metrics`,
      clickhouse_settings: settings,
    });
    await measure(`v_${name}`, samples);
  }
  // The minute table as a fallback worker fills it (recordBatchTokens): each row names the insert
  // that wrote it. A worker writes a batch per partition every few seconds, so a series' rows of
  // one minute come from any of ~48 inserts (4 partitions, a batch every 5 s); after merges the
  // rows of many inserts lie side by side, sorted by series and time.
  await client.command({ query: `CREATE TABLE ${db}.v_batch_token AS ${db}.metrics` });
  const names = COLUMNS.map(([c]) => c).join(', ');
  await client.command({
    query: `INSERT INTO ${db}.v_batch_token (${names}, batch_token)
      SELECT ${names}, concat('vantage-v1-', lower(hex(SHA256(concat(toString(timestamp), '/',
        toString(cityHash64(series_id, timestamp) % ${BATCHES_PER_MINUTE}))))))
      FROM ${db}.metrics`,
    clickhouse_settings: settings,
  });
  await measure('v_batch_token', samples);
  for (const t of ['metrics_5m', 'metrics_1h', 'metrics_1d']) await measure(t, samples);
  // The same samples, one row each: what storing raw samples would cost in ClickHouse.
  await client.command({
    query: `CREATE TABLE ${db}.raw_samples (service_name LowCardinality(String), metric_name LowCardinality(String),
        series_id UInt64, ts DateTime64(3, 'UTC') CODEC(DoubleDelta, ZSTD(1)), value Float64 CODEC(Gorilla, ZSTD(1)))
      ENGINE = MergeTree ORDER BY (service_name, metric_name, series_id, ts)`,
  });
  await client.command({
    query: `INSERT INTO ${db}.raw_samples
      SELECT concat('svc-', toString(s % 20)), concat('metric_', toString(intDiv(s, 20) % 25)), cityHash64(s),
        toDateTime64(toDateTime('2024-01-01 00:00:00', 'UTC') + m * 60 + k * 10, 3, 'UTC'),
        round((10 + s % 490) * (1 + 0.2 * sin((m * ${SAMPLES_PER_MINUTE} + k) / 40 + s)) + (cityHash64(s, m, k) % 1000) / 100, 2)
      FROM (SELECT number % ${SERIES} AS s, intDiv(number, ${SERIES}) AS m FROM numbers(${SERIES * MINUTES}))
      ARRAY JOIN range(${SAMPLES_PER_MINUTE}) AS k`,
    clickhouse_settings: settings,
  });
  await measure('raw_samples', samples);
  return out;
}
