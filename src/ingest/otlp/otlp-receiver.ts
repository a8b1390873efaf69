import { Counter } from 'prom-client';
import type { Registry } from 'prom-client';
import { PointColumns, ProtobufError, VantageError } from '../../core/index.js';
import type { IngestGuard } from '../ingest-guard.js';
import type { PointIngest, PointIngestResult } from '../point-ingest.js';
import { decodeMetricsJson } from './otlp-json-decoder.js';
import { OtlpJsonError } from './otlp-json-fields.js';
import { decodeMetricsProtobuf } from './otlp-protobuf-decoder.js';
import type { SpanIngest, SpanIngestResult } from '../span-ingest.js';
import { decodeTracesJson } from './otlp-trace-json-decoder.js';
import { decodeTracesProtobuf } from './otlp-trace-protobuf-decoder.js';

export type OtlpTransport = 'http' | 'grpc';

export interface OtlpMetrics {
  /** By transport and outcome: the HTTP status, or the gRPC status name. */
  readonly requests: Counter<'transport' | 'status'>;
}

export function createOtlpMetrics(registry: Registry): OtlpMetrics {
  return {
    requests: new Counter({
      name: 'vantage_collector_otlp_requests_total',
      help: 'OTLP export requests by transport (http, grpc) and answer (HTTP status or gRPC status name)',
      labelNames: ['transport', 'status'],
      registers: [registry],
    }),
  };
}

export interface OtlpReceiverOptions {
  /** The collector's one guard: API keys and rate limits across every protocol. */
  readonly guard: IngestGuard;
  readonly ingest: PointIngest;
  /** Where spans go: the spans bus, and their metrics into `ingest`. */
  readonly spans: SpanIngest;
  readonly metrics: OtlpMetrics;
  /** Counts each refusal by code, beside the collector's other refusals. */
  readonly countError: (err: VantageError) => void;
  readonly clock: () => number;
}

/**
 * What an OTLP export (metrics or traces) does, whatever carried it (HTTP or gRPC): the guard, then decoding
 * into PointColumns, then the ingest pipeline, which answers once the accepted points are durable.
 * Transports only translate requests in and answers out.
 */
export class OtlpMetricsReceiver {
  constructor(private readonly options: OtlpReceiverOptions) {}

  get metrics(): OtlpMetrics {
    return this.options.metrics;
  }

  /** Throws the guard's coded refusal (401, 403, 429). */
  admit(headers: Readonly<Record<string, string | string[] | undefined>>, clientIp: string): void {
    this.options.guard.admit(headers, clientIp);
  }

  /** `body`: protobuf bytes, or the parsed JSON. Throws VantageError (400 undecodable, 503 overloaded, ...). */
  async export(format: 'protobuf' | 'json', body: Uint8Array | unknown): Promise<PointIngestResult> {
    const columns = new PointColumns();
    try {
      if (format === 'protobuf') decodeMetricsProtobuf(body as Uint8Array, columns);
      else decodeMetricsJson(body, columns);
    } catch (err) {
      throw malformed(err);
    }
    return this.options.ingest.submit(columns, this.options.clock());
  }

  /** The same for an ExportTraceServiceRequest: resolves once the accepted spans are durable. */
  async exportTraces(format: 'protobuf' | 'json', body: Uint8Array | unknown): Promise<SpanIngestResult> {
    const now = this.options.clock();
    const window = this.options.spans.window(now);
    let decoded;
    try {
      decoded =
        format === 'protobuf'
          ? decodeTracesProtobuf(body as Uint8Array, window)
          : decodeTracesJson(body, window);
    } catch (err) {
      throw malformed(err);
    }
    return this.options.spans.submit(decoded, now);
  }

  refused(err: VantageError): void {
    this.options.countError(err);
  }
}

/** A decoder's complaint as the coded 400 (gRPC INVALID_ARGUMENT); anything else is ours, and passes. */
export function malformed(err: unknown): unknown {
  if (err instanceof ProtobufError) {
    return new VantageError('VTG_OTLP_MALFORMED_REQUEST', { params: { reason: err.message }, cause: err });
  }
  if (err instanceof OtlpJsonError) {
    return new VantageError('VTG_OTLP_MALFORMED_REQUEST', {
      params: { reason: err.message },
      field: err.field,
      cause: err,
    });
  }
  if (err instanceof SyntaxError) {
    return new VantageError('VTG_OTLP_MALFORMED_REQUEST', { params: { reason: err.message }, cause: err });
  }
  return err;
}
