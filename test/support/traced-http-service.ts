/**
 * A second traced service for the traces tests, run as its own process (Node strips the types):
 * an HTTP server instrumented by @opentelemetry/instrumentation-http with its own TracerProvider
 * and service.name, exporting to Vantage with the OTLP exporter named on the command line. GET
 * /stock answers after an internal span of its own; its server span continues the caller's trace
 * from the traceparent header. Prints `listening <port>`; flushes its spans on SIGTERM, then exits.
 *
 *   node traced-http-service.ts <service> <protobuf|json|grpc> <otlp-url> <api-key>
 */
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { OTLPTraceExporter as JsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as GrpcExporter } from '@opentelemetry/exporter-trace-otlp-grpc';
import { Metadata, credentials } from '@grpc/grpc-js';

const [service = 'inventory', format = 'protobuf', url = '', key = ''] = process.argv.slice(2);
const headers = { authorization: `Bearer ${key}` };
let exporter: SpanExporter;
if (format === 'grpc') {
  const metadata = new Metadata();
  metadata.set('authorization', headers.authorization);
  exporter = new GrpcExporter({ url, metadata, credentials: credentials.createInsecure() });
} else if (format === 'json') exporter = new JsonExporter({ url: `${url}/v1/traces`, headers });
else exporter = new ProtoExporter({ url: `${url}/v1/traces`, headers });

const provider = new TracerProvider({
  resource: resourceFromAttributes({ 'service.name': service, 'service.version': '1.2.3' }),
  spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 3_600_000 })],
});
context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
propagation.setGlobalPropagator(new W3CTraceContextPropagator());
trace.setGlobalTracerProvider(provider);
const instrumentation = new HttpInstrumentation();
instrumentation.setTracerProvider(provider);
instrumentation.enable();
// Loaded after the instrumentation patched it.
const http = createRequire(import.meta.url)('node:http') as typeof Http;
const tracer = provider.getTracer('inventory');

const server = http.createServer((req, res) => {
  tracer.startActiveSpan('stock.lookup', (span) => {
    span.setAttribute('sku', new URL(req.url ?? '/', 'http://x').searchParams.get('sku') ?? '');
    span.end();
    res.writeHead(req.url?.startsWith('/stock') ? 200 : 404, { 'content-type': 'application/json' });
    res.end('{"inStock":3}');
  });
});
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  console.log(`listening ${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => {
  server.close();
  void provider.shutdown().then(() => process.exit(0));
});
