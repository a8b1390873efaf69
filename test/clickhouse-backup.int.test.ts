/**
 * ClickHouse's own BACKUP and RESTORE of a distributed Vantage's database, as docs/deployment.md
 * ("Backup and restore", Distributed) tells an operator to run them: BACKUP while every role runs,
 * then the workers and APIs stopped, the database dropped, RESTORE, `vantage migrate`, the roles
 * started again. The restored database must answer every metric tier, the trace search and the
 * alert state as the original did.
 *
 * The engine is chDB (ClickHouse 26.9 in-process) behind test/support/chdb_http_server.py, a
 * private one started with `backups.allowed_path` (a server setting the shared one lacks), so the
 * backup is a `File(...)` on the local disk. A real server's `Disk` or `S3` backup engines and
 * `ON CLUSTER` are not exercised here.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClickHouseClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminClient, startBackupClickHouse } from './support/clickhouse.js';
import type { PrivateClickHouse } from './support/clickhouse.js';
import { DistributedRoles } from './support/distributed-roles.js';
import { eventually, postMetrics } from './support/http.js';
import { deleteTopics, uniqueName } from './support/kafka.js';
import {
  DAY,
  MINUTE,
  alerts,
  metricHistory,
  postTrace,
  queueDeepRules,
  runCli,
  tierAnswers,
  total,
  traceSearch,
  traceServices,
} from './support/restore-checks.js';
import { startRole, stopRole } from './support/role-process.js';
import type { RoleProcess } from './support/role-process.js';

const NOW = Date.now();
/** Three days of history: every tier has several buckets. */
const FROM = Math.floor((NOW - 3 * DAY) / DAY) * DAY;
const TRACES = 30;
const AGGS = ['count', 'sum', 'max', 'p99'];

let dir: string;
let clickhouse: PrivateClickHouse;
let admin: ClickHouseClient;
let roles: DistributedRoles;
const spansTopic = uniqueName('vantage-chbackup-spans');

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-ch-backup-'));
  clickhouse = await startBackupClickHouse(join(dir, 'clickhouse'));
  admin = adminClient(clickhouse.url);
  const rulesDir = join(dir, 'rules');
  mkdirSync(rulesDir);
  writeFileSync(join(rulesDir, 'queues.yml'), queueDeepRules('1h'));
  roles = new DistributedRoles('chbackup', ['--rules-dir', rulesDir, '--kafka-spans-topic', spansTopic], {
    clickhouseUrl: clickhouse.url,
  });
  await roles.start(1);
}, 120_000);

afterAll(async () => {
  await roles?.stop();
  await deleteTopics(roles.brokers, [spansTopic]);
  await admin?.close();
  await clickhouse?.stop();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

const api = (): string => (roles.api as RoleProcess).url;

/** Everything the test compares: every tier for each aggregate, the traces, the alerts. */
async function snapshot(url: string): Promise<unknown> {
  const tiers = await Promise.all(
    AGGS.map((agg) => tierAnswers(url, 'before', agg, { from: FROM, now: NOW })),
  );
  return {
    tiers,
    traces: await traceSearch(url, 'before'),
    services: (await traceServices(url)).sort(),
    alerts: (await alerts(url)).map((a) => ({
      rule: a.rule,
      state: a.state,
      activeAt: a.activeAt,
      firedAt: a.firedAt,
    })),
  };
}

/** Each of the database's tables with rows of its own (not the views), and how many it has. */
async function rowCounts(database: string): Promise<Record<string, number>> {
  const rows = await admin.query({
    query: `SELECT name, total_rows FROM system.tables
      WHERE database = {db:String} AND total_rows IS NOT NULL ORDER BY name`,
    query_params: { db: database },
    format: 'JSONEachRow',
  });
  return Object.fromEntries(
    (await rows.json<{ name: string; total_rows: string }>()).map((r) => [r.name, Number(r.total_rows)]),
  );
}

/** The tables that must hold rows: every tier, the spans, the alert state. */
const FILLED = [
  'metrics',
  'metrics_5m',
  'metrics_1h',
  'metrics_1d',
  'spans',
  'trace_summaries',
  'alert_active',
];

async function statusOf(query: string): Promise<string> {
  const result = await admin.query({ query, format: 'JSONEachRow' });
  const [row] = await result.json<{ status: string }>();
  return row?.status ?? '';
}

describe('ClickHouse BACKUP and RESTORE of a distributed Vantage', () => {
  it('restores every tier, the traces and the alert state after the database is dropped', async () => {
    const sent = metricHistory('before', FROM, NOW - MINUTE);
    for (let i = 0; i < sent.length; i += 1000) {
      expect((await postMetrics(roles.collector.url, sent.slice(i, i + 1000))).status).toBe(202);
    }
    const deep = [{ service: 'jobs', name: 'queue_depth', value: 250, timestamp: Date.now() }];
    expect((await postMetrics(roles.collector.url, deep)).status).toBe(202);
    for (let n = 1; n <= TRACES; n++)
      expect(await postTrace(roles.collector.otlpHttp, 'before', n)).toBe(200);
    await eventually(
      async () => {
        const [, , hourly] = await tierAnswers(api(), 'before', 'count', { from: FROM, now: NOW });
        return hourly !== undefined && total(hourly) === sent.length ? true : undefined;
      },
      60_000,
      'the history stored',
    );
    await eventually(
      async () => ((await traceSearch(api(), 'before')).data.length === TRACES ? true : undefined),
      60_000,
      'the traces stored',
    );
    await eventually(
      async () => ((await alerts(api())).some((a) => a.state === 'firing') ? true : undefined),
      60_000,
      'the alert to fire',
    );
    const original = await snapshot(api());
    const tables = Object.keys(await rowCounts(roles.database));

    // Online: the roles keep running while ClickHouse copies the database.
    const backup = `File('${clickhouse.backups}/vantage-1')`;
    expect(await statusOf(`BACKUP DATABASE ${roles.database} TO ${backup}`)).toBe('BACKUP_CREATED');

    // The restore: the writers stop (the collector may go on filling Kafka), the damaged
    // database goes, the backup comes back under the same name, the schema is brought current.
    for (const role of [roles.worker, roles.api]) expect(await stopRole(role as RoleProcess)).toBe(0);
    await admin.command({ query: `DROP DATABASE ${roles.database} SYNC` });
    expect(await statusOf(`RESTORE DATABASE ${roles.database} FROM ${backup}`)).toBe('RESTORED');
    // Row counts are not compared: merges of the Replacing/Aggregating tables change them.
    const restoredCounts = await rowCounts(roles.database);
    expect(Object.keys(restoredCounts)).toEqual(tables);
    for (const table of FILLED) expect(restoredCounts[table], table).toBeGreaterThan(0);
    const migrate = await runCli([
      'migrate',
      '--clickhouse-url',
      clickhouse.url,
      '--clickhouse-database',
      roles.database,
    ]);
    expect(migrate.code, migrate.output).toBe(0);
    expect(migrate.output).toContain('"applied":[]');

    roles.worker = await startRole('worker', roles.common);
    roles.api = await startRole('api', roles.common);
    // The firing alert comes back firing since the original's firing, not pending again.
    expect(await snapshot(api())).toEqual(original);
    const [, , hourly] = await tierAnswers(api(), 'before', 'count', { from: FROM, now: NOW });
    expect(total(hourly ?? [])).toBe(sent.length);
    expect((await alerts(api())).map((a) => a.state)).toEqual(['firing']);
  }, 240_000);
});
