import { randomBytes } from 'node:crypto';
import { ClickHouseStore } from '../src/storage/index.js';
import { adminClient, dropDatabase, measureCodecs } from '../test/support/clickhouse.js';
import { fmt } from './support.js';

/**
 * Bytes on disk in ClickHouse per stored row and per ingested sample (issue 3): 10,000 series x
 * 720 samples at 10 s, pre-aggregated per minute, after OPTIMIZE FINAL, for the store's codecs and
 * the alternatives measured against them (test/support/clickhouse.ts builds the data set).
 */
export async function runClickHouseStorageBench(
  clickhouseUrl: string,
  log: (s: string) => void,
): Promise<string[]> {
  process.env.CLICKHOUSE_URL = clickhouseUrl;
  const database = `bench_storage_${randomBytes(4).toString('hex')}`;
  const store = new ClickHouseStore({
    url: clickhouseUrl,
    database,
    retention: { '1m': 1e13, '5m': 1e13, '1h': 1e13, '1d': 1e13 },
  });
  const admin = adminClient();
  try {
    await store.migrate();
    log('  ClickHouse storage: generating 7.2 M samples and merging (about 20 s)');
    const report = await measureCodecs(admin, database);
    const byTable = new Map(report.map((r) => [r.table, r]));
    const plain = byTable.get('metrics');
    const tokens = byTable.get('v_batch_token');
    const tokenColumn = tokens?.columns?.batch_token ?? 0;
    const tokenNote =
      plain && tokens
        ? [
            `With --fallback sqlite (v_batch_token: each row names its insert, one of 48 per minute): the batch_token column takes ${fmt(tokenColumn / tokens.rows, 2)} bytes per row, ${fmt((tokenColumn / tokens.rows) * (tokens.bytesPerSample / tokens.bytesPerRow), 3)} per sample; the table ${fmt(tokens.bytesPerRow - plain.bytesPerRow, 2)} bytes per row more than metrics.`,
            '',
          ]
        : [];
    return [
      '### ClickHouse bytes on disk',
      '',
      '10,000 series x 720 samples at 10 s, pre-aggregated per minute, after OPTIMIZE FINAL.',
      '',
      '| table | rows | bytes on disk | bytes per row | bytes per ingested sample |',
      '|---|---|---|---|---|',
      ...report.map(
        (r) =>
          `| ${r.table} | ${fmt(r.rows)} | ${fmt(r.bytesOnDisk)} | ${fmt(r.bytesPerRow, 2)} | ${fmt(r.bytesPerSample, 3)} |`,
      ),
      '',
      ...tokenNote,
    ];
  } finally {
    await store.close();
    await dropDatabase(admin, database);
    await admin.close();
  }
}
