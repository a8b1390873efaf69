/**
 * A query thread of SqliteStore (sqlite-store.ts): answers the store's reads on a read-only
 * connection of its own to the same WAL file, beside the writer and the other threads. It imports
 * only the storage code it runs and core/query below it (not the storage index, which brings in
 * the ClickHouse client, nor the bus, whose Kafka client cannot load in a worker thread).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './sqlite-connection.js';
import { SqliteReads, answerRead } from './sqlite-reads.js';
import type { ReadAnswer, ReadRequest } from './sqlite-reads.js';
import { serveQueries } from './query-thread-protocol.js';
import type { AnswerLimits } from '../answer-limits.js';

export interface SqliteQueryThreadData {
  readonly path: string;
  readonly answerLimits: AnswerLimits;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-query-thread runs only as a worker thread');
const data = workerData as SqliteQueryThreadData;
const db = openDatabase(data.path, { readonly: true });
const reads = new SqliteReads(db, data.answerLimits);
serveQueries<ReadRequest, ReadAnswer<ReadRequest>>(port, {
  answer: (request) => answerRead(reads, request),
  close: () => db.close(),
});
