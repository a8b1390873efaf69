import { Client, credentials } from '@grpc/grpc-js';
import type { Metadata, ServiceError } from '@grpc/grpc-js';
import type { FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import type { PointColumns, VantageError } from '../../src/core/index.js';
import { ApiKeyVerifier } from '../../src/http/index.js';
import {
  IngestGuard,
  OtlpGrpcServer,
  OtlpMetricsReceiver,
  SpanIngest,
  SpanPublisher,
  buildOtlpHttpServer,
  createCollectorMetrics,
  createOtlpMetrics,
  createSpanIngestMetrics,
} from '../../src/ingest/index.js';
import { RecordingProducer } from './recording-producer.js';
import type { PointIngest, PointIngestResult } from '../../src/ingest/index.js';

/**
 * A PointIngest of our own for the OTLP receivers' unit tests: keeps what it is handed and answers
 * what the test sets (a result, or an error to throw).
 */
export class RecordingPointIngest implements PointIngest {
  readonly submitted: PointColumns[] = [];
  answer: (columns: PointColumns) => PointIngestResult = (c) => ({
    accepted: c.totalPoints,
    rejected: c.rejectedPoints,
    rejections: c.rejections,
  });

  async submit(columns: PointColumns): Promise<PointIngestResult> {
    this.submitted.push(columns);
    return this.answer(columns);
  }

  failWith(err: VantageError): void {
    this.answer = () => {
      throw err;
    };
  }
}

export interface TestOtlpReceivers {
  readonly ingest: RecordingPointIngest;
  /** The spans bus: what was published, decodable with decodeSpanBatch. */
  readonly spanBus: RecordingProducer;
  readonly registry: Registry;
  readonly http: FastifyInstance;
  readonly httpUrl: string;
  readonly grpc: OtlpGrpcServer;
  readonly grpcAddress: string;
  close(): Promise<void>;
}

/** Both OTLP servers on free ports of 127.0.0.1, over one receiver, guard and recording ingest. */
export async function startOtlpReceivers(
  options: { apiKeys?: string[]; rateLimitPerMinute?: number; maxBodyBytes?: number } = {},
): Promise<TestOtlpReceivers> {
  const ingest = new RecordingPointIngest();
  const registry = new Registry();
  const logger = pino({ level: 'silent' });
  const spanBus = new RecordingProducer();
  const spans = new SpanIngest({
    publisher: new SpanPublisher(
      spanBus,
      { maxPendingSpans: 100_000, timeoutMs: 1_000 },
      createCollectorMetrics(registry),
      'test-spans',
    ),
    points: ingest,
    metrics: createSpanIngestMetrics(registry),
    maxSampleAgeMs: 3_600_000,
    maxFutureSkewMs: 60_000,
    logger,
    countError: () => undefined,
  });
  const receiver = new OtlpMetricsReceiver({
    guard: new IngestGuard({
      apiKeys: new ApiKeyVerifier(options.apiKeys ?? []),
      rateLimitPerMinute: options.rateLimitPerMinute ?? 10_000,
      clock: Date.now,
    }),
    ingest,
    spans,
    metrics: createOtlpMetrics(registry),
    countError: () => undefined,
    clock: Date.now,
  });
  const maxBodyBytes = options.maxBodyBytes ?? 5 * 1024 * 1024;
  const http = await buildOtlpHttpServer({
    logger,
    receiver,
    maxBodyBytes,
    http: {
      headersTimeoutMs: 5_000,
      requestTimeoutMs: 10_000,
      keepAliveTimeoutMs: 5_000,
      shutdownGraceMs: 1_000,
    },
  });
  await http.listen({ host: '127.0.0.1', port: 0 });
  const grpc = new OtlpGrpcServer({ logger, receiver, maxBodyBytes, shutdownGraceMs: 1_000 });
  const grpcPort = await grpc.listen('127.0.0.1', 0);
  const address = http.server.address();
  const httpPort = typeof address === 'object' && address ? address.port : 0;
  return {
    ingest,
    spanBus,
    registry,
    http,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    grpc,
    grpcAddress: `127.0.0.1:${grpcPort}`,
    close: async () => {
      await Promise.all([http.close(), grpc.close()]);
    },
  };
}

export interface RawGrpcAnswer {
  readonly error: ServiceError | null;
  readonly response: Buffer | undefined;
}

/** One unary call with raw bytes, to see status codes and trailers exactly as a client gets them. */
export function rawGrpcCall(
  address: string,
  path: string,
  body: Uint8Array,
  metadata?: Metadata,
  gzip = false,
): Promise<RawGrpcAnswer> {
  // 2 is gzip in grpc-js's compression algorithm numbering.
  const options = gzip ? { 'grpc.default_compression_algorithm': 2 } : {};
  const client = new Client(address, credentials.createInsecure(), options);
  const pass = (b: Buffer): Buffer => b;
  return new Promise((resolve) => {
    const done = (error: ServiceError | null, response?: Buffer): void => {
      client.close();
      resolve({ error, response });
    };
    if (metadata) client.makeUnaryRequest(path, pass, pass, Buffer.from(body), metadata, done);
    else client.makeUnaryRequest(path, pass, pass, Buffer.from(body), done);
  });
}

export const METRICS_EXPORT = '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export';
export const TRACES_EXPORT = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';
