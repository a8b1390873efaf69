import { Metadata, Server, ServerCredentials, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServerUnaryCall, ServiceDefinition, sendUnaryData } from '@grpc/grpc-js';
import type { Logger } from 'pino';
import { VantageError } from '../../core/index.js';
import type { OtlpMetricsReceiver } from './otlp-receiver.js';
import { exportResponseProtobuf, grpcStatusOf, statusProtobuf } from './otlp-responses.js';

export interface OtlpGrpcServerOptions {
  readonly logger: Logger;
  readonly receiver: OtlpMetricsReceiver;
  /** --max-body-bytes: the largest message, after decompression. */
  readonly maxBodyBytes: number;
  /** On close, how long calls in flight may take before they are cancelled. */
  readonly shutdownGraceMs: number;
}

/**
 * Bytes in, bytes out: the request is decoded by our own decoder (no proto-loader, no message
 * objects), the response is encoded by otlp-responses.ts.
 */
const raw = {
  requestStream: false,
  responseStream: false,
  requestSerialize: (b: Buffer): Buffer => b,
  requestDeserialize: (b: Buffer): Buffer => b,
  responseSerialize: (b: Buffer): Buffer => b,
  responseDeserialize: (b: Buffer): Buffer => b,
} as const;

const METRICS_SERVICE: ServiceDefinition = {
  Export: { path: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export', ...raw },
};
const TRACE_SERVICE: ServiceDefinition = {
  Export: { path: '/opentelemetry.proto.collector.trace.v1.TraceService/Export', ...raw },
};

type Call = ServerUnaryCall<Buffer, Buffer>;

/**
 * OTLP/gRPC (4317 by default): MetricsService/Export and TraceService/Export through the same
 * receiver as OTLP/HTTP, with the status codes the OTLP specification gives (INVALID_ARGUMENT,
 * UNAUTHENTICATED, RESOURCE_EXHAUSTED and UNAVAILABLE with RetryInfo). gzip-compressed messages
 * are decompressed by grpc-js.
 */
export class OtlpGrpcServer {
  private readonly server: Server;
  private readonly log: Logger;

  constructor(private readonly options: OtlpGrpcServerOptions) {
    this.log = options.logger.child({ component: 'otlp-grpc' });
    this.server = new Server({
      'grpc.max_receive_message_length': options.maxBodyBytes,
    });
    this.server.addService(METRICS_SERVICE, {
      Export: (call: Call, done: sendUnaryData<Buffer>) => void this.export(call, done, 'metrics'),
    });
    this.server.addService(TRACE_SERVICE, {
      Export: (call: Call, done: sendUnaryData<Buffer>) => void this.export(call, done, 'traces'),
    });
  }

  /** Resolves with the port bound (a free one when `port` is 0). */
  listen(host: string, port: number): Promise<number> {
    const address = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    return new Promise((resolve, reject) =>
      this.server.bindAsync(address, ServerCredentials.createInsecure(), (err, bound) =>
        err ? reject(err) : resolve(bound),
      ),
    );
  }

  /** Takes no new calls, lets those in flight finish for the shutdown grace, then cancels them. */
  close(): Promise<void> {
    return new Promise((resolve) => {
      const force = setTimeout(() => {
        this.log.warn(
          { graceMs: this.options.shutdownGraceMs },
          'OTLP gRPC calls still in flight after the shutdown grace; cancelling them',
        );
        this.server.forceShutdown();
        resolve();
      }, this.options.shutdownGraceMs);
      force.unref();
      this.server.tryShutdown(() => {
        clearTimeout(force);
        resolve();
      });
    });
  }

  private async export(call: Call, done: sendUnaryData<Buffer>, signal: 'metrics' | 'traces'): Promise<void> {
    const { receiver } = this.options;
    try {
      receiver.admit(headersOf(call.metadata), clientIp(call.getPeer()));
      const result =
        signal === 'metrics'
          ? await receiver.export('protobuf', call.request)
          : await receiver.exportTraces('protobuf', call.request);
      receiver.metrics.requests.inc({ transport: 'grpc', status: 'OK' });
      done(null, Buffer.from(exportResponseProtobuf(result, signal)));
    } catch (err) {
      const coded =
        err instanceof VantageError ? err : new VantageError('VTG_SERVER_INTERNAL_ERROR', { cause: err });
      if (coded.statusCode >= 500 && coded.statusCode !== 503)
        this.log.error({ err, code: coded.code }, coded.message);
      else this.log.warn({ code: coded.code, field: coded.field }, coded.message);
      this.fail(done, coded);
    }
  }

  private fail(done: sendUnaryData<Buffer>, err: VantageError): void {
    const code = grpcStatusOf(err);
    this.options.receiver.refused(err);
    this.options.receiver.metrics.requests.inc({ transport: 'grpc', status: GrpcStatus[code] });
    const metadata = new Metadata();
    // The rich status (RetryInfo, ErrorInfo with our code), where gRPC clients look for it.
    metadata.set('grpc-status-details-bin', Buffer.from(statusProtobuf(err, code)));
    done({ code, details: `${err.code}: ${err.message}`, metadata });
  }
}

/** The call's metadata as the headers IngestGuard reads (authorization, x-api-key). */
function headersOf(metadata: Metadata): Record<string, string | undefined> {
  const text = (key: string): string | undefined => {
    const value = metadata.get(key)[0];
    return typeof value === 'string' ? value : undefined;
  };
  return { authorization: text('authorization'), 'x-api-key': text('x-api-key') };
}

/** `ipv4:127.0.0.1:5000`, `127.0.0.1:5000`, `[::1]:5000` → the address, for per-client limits. */
export function clientIp(peer: string): string {
  const address = peer.replace(/^ipv[46]:/, '');
  const bracketed = /^\[([^\]]+)\]/.exec(address);
  if (bracketed) return bracketed[1] as string;
  const colon = address.lastIndexOf(':');
  return colon > 0 && address.indexOf(':') === colon ? address.slice(0, colon) : address;
}
