/**
 * A query thread of SqliteTraceStore (sqlite-trace-store.ts): answers the trace reads on a
 * read-only connection of its own to traces.db, as sqlite-query-thread.ts does for the metric
 * store, so a search over an hour of spans never holds the thread that serves HTTP. It imports only
 * the storage code it runs (not the storage index, which brings in the ClickHouse client).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './sqlite-connection.js';
import { SqliteTraceReads, answerTraceRead } from './sqlite-trace-reads.js';
import type { TraceReadAnswer, TraceReadRequest } from './sqlite-trace-reads.js';
import { serveQueries } from './query-thread-protocol.js';

export interface SqliteTraceQueryThreadData {
  readonly path: string;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-trace-query-thread runs only as a worker thread');
const data = workerData as SqliteTraceQueryThreadData;
const db = openDatabase(data.path, { readonly: true });
const reads = new SqliteTraceReads(db);
serveQueries<TraceReadRequest, TraceReadAnswer<TraceReadRequest>>(port, {
  answer: (request) => answerTraceRead(reads, request),
  close: () => db.close(),
});
