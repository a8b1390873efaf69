import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { HttpServerSettings } from '../../http/index.js';
import type { CollectorIngest } from '../collector-server.js';
import type { CollectorMetrics } from '../collector-metrics.js';
import type { SpanIngest } from '../span-ingest.js';
import { OtlpGrpcServer } from './otlp-grpc-server.js';
import { buildOtlpHttpServer } from './otlp-http-server.js';
import { OtlpMetricsReceiver, createOtlpMetrics } from './otlp-receiver.js';
import type { OtlpPorts } from './otlp-settings.js';

export interface OtlpReceiversOptions {
  readonly logger: Logger;
  /** The collector's registry: OTLP's counters sit beside the collector's. */
  readonly registry: Registry;
  readonly metrics: CollectorMetrics;
  /** The collector's guard and point pipeline, shared with its other ways in. */
  readonly ingest: CollectorIngest;
  /** Spans: to their own bus, their metrics into `ingest.points`. */
  readonly spans: SpanIngest;
  readonly ports: OtlpPorts;
  readonly maxBodyBytes: number;
  readonly http: HttpServerSettings;
  readonly clock?: () => number;
}

/** The ports the OTLP servers listen on; absent when turned off. */
export interface OtlpListening {
  readonly otlpHttp?: number;
  readonly otlpGrpc?: number;
}

/**
 * The collector's OTLP servers, HTTP and gRPC, each unless its port is `off`, over one receiver:
 * what `vantage start` and `vantage collector` open beside the collector's own port.
 */
export class OtlpReceivers {
  private constructor(
    private readonly options: OtlpReceiversOptions,
    private readonly http: FastifyInstance | undefined,
    private readonly grpc: OtlpGrpcServer | undefined,
  ) {}

  static async build(options: OtlpReceiversOptions): Promise<OtlpReceivers> {
    const receiver = new OtlpMetricsReceiver({
      guard: options.ingest.guard,
      ingest: options.ingest.points,
      spans: options.spans,
      metrics: createOtlpMetrics(options.registry),
      countError: (err) => options.metrics.errors.inc({ code: err.code }),
      clock: options.clock ?? Date.now,
    });
    const { logger, maxBodyBytes, ports } = options;
    const http =
      ports.http === null
        ? undefined
        : await buildOtlpHttpServer({ logger, receiver, maxBodyBytes, http: options.http });
    const grpc =
      ports.grpc === null
        ? undefined
        : new OtlpGrpcServer({
            logger,
            receiver,
            maxBodyBytes,
            shutdownGraceMs: options.http.shutdownGraceMs,
          });
    return new OtlpReceivers(options, http, grpc);
  }

  /** Binds both ports; on failure closes what was opened, and throws. */
  async listen(host: string): Promise<OtlpListening> {
    const { ports } = this.options;
    try {
      let otlpHttp: number | undefined;
      if (this.http && ports.http !== null) {
        await this.http.listen({ host, port: ports.http });
        otlpHttp = (this.http.server.address() as AddressInfo).port;
      }
      const otlpGrpc =
        this.grpc && ports.grpc !== null ? await this.grpc.listen(host, ports.grpc) : undefined;
      return {
        ...(otlpHttp !== undefined ? { otlpHttp } : {}),
        ...(otlpGrpc !== undefined ? { otlpGrpc } : {}),
      };
    } catch (err) {
      await this.close();
      throw err;
    }
  }

  /** Drains both (for at most the shutdown grace), as the collector's own server. */
  async close(): Promise<void> {
    await Promise.all([this.http?.close(), this.grpc?.close()]);
  }
}
