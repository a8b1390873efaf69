import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { Metadata, credentials } from '@grpc/grpc-js';
import type { Meter } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { ResourceMetrics, ViewOptions } from '@opentelemetry/sdk-metrics';
import {
  CumulativeTemporalitySelector,
  DeltaTemporalitySelector,
  OTLPMetricExporter as JsonExporter,
} from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as ProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPMetricExporter as GrpcExporter } from '@opentelemetry/exporter-metrics-otlp-grpc';

/**
 * The OpenTelemetry JS SDK as a test client: metrics recorded on a real MeterProvider, collected by
 * a reader we trigger (no timers), and sent by the SDK's own OTLP exporters, so the bytes are what
 * users' applications send.
 */
class ManualReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
}

export type Temporality = 'cumulative' | 'delta';

export interface SdkMeter {
  readonly meter: Meter;
  /** One collection: what an exporter would send now. */
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

/** A MeterProvider with the given resource; `exponential` names histograms that use exponential buckets. */
export function sdkMeter(
  resource: Record<string, string>,
  options: { temporality?: Temporality; exponential?: readonly string[] } = {},
): SdkMeter {
  // The exporters' own choice per instrument: their delta preference keeps up-down counters
  // cumulative (a level), as an application configured for delta sends them.
  const reader = new ManualReader({
    aggregationTemporalitySelector:
      options.temporality === 'delta' ? DeltaTemporalitySelector : CumulativeTemporalitySelector,
  });
  const views: ViewOptions[] = (options.exponential ?? []).map((instrumentName) => ({
    instrumentName,
    aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM },
  }));
  const provider = new MeterProvider({
    resource: resourceFromAttributes(resource),
    readers: [reader],
    views,
  });
  return {
    meter: provider.getMeter('vantage-tests', '1.0.0'),
    collect: async () => {
      const { resourceMetrics, errors } = await reader.collect();
      if (errors.length > 0) throw new Error(`collect failed: ${String(errors[0])}`);
      return resourceMetrics;
    },
    shutdown: () => provider.shutdown(),
  };
}

export type OtlpFormat = 'protobuf' | 'json' | 'grpc';

/** Sends one collection with the SDK's exporter for `format`; resolves with the exporter's result. */
export async function exportWith(
  format: OtlpFormat,
  url: string,
  metrics: ResourceMetrics,
  options: { headers?: Record<string, string>; gzip?: boolean } = {},
): Promise<{ code: number; error?: Error }> {
  // The exporters' CompressionAlgorithm enum is not exported; its values are these strings.
  const compression = (options.gzip ? 'gzip' : 'none') as never;
  const exporter =
    format === 'protobuf'
      ? new ProtoExporter({ url, headers: options.headers, compression })
      : format === 'json'
        ? new JsonExporter({ url, headers: options.headers, compression })
        : new GrpcExporter({
            url,
            compression,
            credentials: credentials.createInsecure(),
            metadata: grpcMetadata(options.headers ?? {}),
          });
  try {
    return await new Promise((resolve) => exporter.export(metrics, resolve));
  } finally {
    await exporter.shutdown();
  }
}

function grpcMetadata(headers: Record<string, string>): Metadata {
  const metadata = new Metadata();
  for (const [key, value] of Object.entries(headers)) metadata.set(key, value);
  return metadata;
}

export interface CapturedRequest {
  readonly url: string;
  readonly contentType: string;
  readonly contentEncoding: string;
  /** Decompressed. */
  readonly body: Buffer;
}

/** What an OTLP/HTTP exporter sends, caught by a server that answers 200 with an empty body. */
export async function captureExport(
  format: 'protobuf' | 'json',
  metrics: ResourceMetrics,
  gzip = false,
): Promise<CapturedRequest> {
  let captured: CapturedRequest | undefined;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const contentEncoding = req.headers['content-encoding'] ?? '';
      captured = {
        url: req.url ?? '',
        contentType: req.headers['content-type'] ?? '',
        contentEncoding,
        body: contentEncoding === 'gzip' ? gunzipSync(raw) : raw,
      };
      res.writeHead(200, {
        'content-type': format === 'json' ? 'application/json' : 'application/x-protobuf',
      });
      res.end(format === 'json' ? '{}' : '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const result = await exportWith(format, `http://127.0.0.1:${port}/v1/metrics`, metrics, { gzip });
    if (result.code !== 0) throw result.error ?? new Error('export failed');
  } finally {
    await new Promise((resolve) => server.close(resolve));
  }
  if (captured === undefined) throw new Error('the exporter sent nothing');
  return captured;
}
