import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace';
import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { Metadata, credentials } from '@grpc/grpc-js';
import type { OtlpFormat } from './otlp-sdk.js';

/**
 * The OpenTelemetry JS trace SDK as a test client: spans made by a real TracerProvider and sent by
 * the SDK's own OTLP exporters (protobuf or JSON over HTTP, gRPC), so the bytes are what users'
 * applications send. Spans wait in a BatchSpanProcessor until `flush` (no timers in tests).
 */
export interface SdkTracer {
  readonly provider: TracerProvider;
  readonly tracer: Tracer;
  /** Every span the exporter was handed, as the SDK holds it. */
  readonly sent: ReadableSpan[];
  /** Sends what has ended; rejects when the exporter failed. */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

/** `url`: the OTLP/HTTP base (`http://host:4318`) or, for gRPC, `http://host:4317`. */
export function traceExporter(
  format: OtlpFormat,
  url: string,
  options: { headers?: Record<string, string>; gzip?: boolean } = {},
): SpanExporter {
  const compression = (options.gzip ? 'gzip' : 'none') as never;
  if (format === 'protobuf')
    return new ProtoExporter({ url: `${url}/v1/traces`, headers: options.headers, compression });
  if (format === 'json')
    return new JsonExporter({ url: `${url}/v1/traces`, headers: options.headers, compression });
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(options.headers ?? {})) metadata.set(k, v);
  return new GrpcExporter({ url, metadata, compression, credentials: credentials.createInsecure() });
}

/** A TracerProvider for `resource` exporting through `exporter`; failures of an export reject `flush`. */
export function sdkTracer(resource: Record<string, string>, exporter: SpanExporter): SdkTracer {
  const failures: Error[] = [];
  const sent: ReadableSpan[] = [];
  const watched: SpanExporter = {
    export: (spans, done) =>
      exporter.export(spans, (result) => {
        sent.push(...spans);
        if (result.error) failures.push(result.error);
        else if (result.code !== 0) failures.push(new Error(`export failed with code ${result.code}`));
        done(result);
      }),
    shutdown: () => exporter.shutdown(),
  };
  const provider = new TracerProvider({
    resource: resourceFromAttributes(resource),
    spanProcessors: [new BatchSpanProcessor({ exporter: watched, scheduledDelayMillis: 3_600_000 })],
  });
  return {
    provider,
    sent,
    tracer: provider.getTracer('vantage-tests', '1.0.0'),
    flush: async () => {
      await provider.forceFlush();
      const failure = failures.shift();
      if (failure) throw failure;
    },
    shutdown: () => provider.shutdown(),
  };
}

/** What Vantage should keep of a span the SDK made: its ids, times in exact nanoseconds, kind, status. */
export function expectedSpan(s: ReadableSpan) {
  const ns = ([sec, nanos]: [number, number]): string =>
    (BigInt(sec) * 1_000_000_000n + BigInt(nanos)).toString();
  const kinds = ['internal', 'server', 'client', 'producer', 'consumer'] as const;
  return {
    traceId: s.spanContext().traceId,
    spanId: s.spanContext().spanId,
    parentSpanId: s.parentSpanContext?.spanId ?? '',
    name: s.name,
    kind: kinds[s.kind],
    startUnixNano: ns(s.startTime),
    endUnixNano: ns(s.endTime),
    status: (['unset', 'ok', 'error'] as const)[s.status.code],
    statusMessage: s.status.message ?? '',
  };
}
