import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type * as Http from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { context, propagation } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import type { Span } from '../src/core/index.js';
import { eventually, timeseries } from './support/http.js';
import type { OtlpFormat } from './support/otlp-sdk.js';
import { expectedSpan, sdkTracer, traceExporter } from './support/otlp-trace-sdk.js';
import { VENV_PYTHON } from './support/prometheus-client-app.js';
import { readSpanLog } from './support/span-log.js';
import { REPO_ROOT, startVantageProcess } from './support/vantage-process.js';
import type { VantageProcess } from './support/vantage-process.js';

/**
 * Real OpenTelemetry JS clients against the built `vantage start`: a traced "frontend" (this
 * process) calls a traced "inventory" (a process of its own) over HTTP, both instrumented by
 * @opentelemetry/instrumentation-http, so the trace context really crosses the wire; each exports
 * with the SDK's OTLP exporters (protobuf, JSON, gRPC). The test reads back the spans log and the
 * span metrics through the query API.
 */
const KEY = 'traces-test-key-0123456789abcdefghijklmnop';
const AUTH = { authorization: `Bearer ${KEY}` };
let dir: string;
let vantage: VantageProcess;
const instrumentation = new HttpInstrumentation();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vantage-traces-'));
  vantage = await startVantageProcess(dir, ['--worker-linger', '20ms', '--api-keys', KEY]);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  instrumentation.enable();
}, 60_000);

afterAll(async () => {
  instrumentation.disable();
  vantage?.child.kill('SIGTERM');
  await vantage?.exited;
  rmSync(dir, { recursive: true, force: true });
});

interface Service {
  readonly child: ChildProcess;
  readonly port: number;
  stop(): Promise<void>;
}

/** test/support/traced-http-service.ts as its own process, exporting to Vantage in `format`. */
async function startInventory(service: string, format: OtlpFormat): Promise<Service> {
  const url = format === 'grpc' ? `http://${vantage.otlpGrpc}` : vantage.otlpHttp;
  const child = spawn(
    process.execPath,
    [join(REPO_ROOT, 'test', 'support', 'traced-http-service.ts'), service, format, url, KEY],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening (\d+)/.exec(output);
      if (m) resolve(Number(m[1]));
    });
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('exit', () => reject(new Error(`the traced service exited:\n${output}`)));
  });
  return {
    child,
    port,
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** GET through node:http as loaded after the instrumentation patched it. */
function get(url: string): Promise<number> {
  const http = createRequire(import.meta.url)('node:http') as typeof Http;
  return new Promise((resolve, reject) => {
    http
      .get(url, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

const SERVICE_FORMATS: [OtlpFormat, OtlpFormat][] = [
  ['protobuf', 'json'],
  ['json', 'grpc'],
  ['grpc', 'protobuf'],
];

describe('a trace across two services instrumented by the OpenTelemetry JS SDK', () => {
  it.each(SERVICE_FORMATS)(
    'reaches the spans bus whole, parent links intact (frontend %s, inventory %s)',
    async (frontendFormat, inventoryFormat) => {
      const frontendName = `frontend-${frontendFormat}`;
      const inventoryName = `inventory-${inventoryFormat}`;
      const inventory = await startInventory(inventoryName, inventoryFormat);
      const base = frontendFormat === 'grpc' ? `http://${vantage.otlpGrpc}` : vantage.otlpHttp;
      const frontend = sdkTracer(
        { 'service.name': frontendName },
        traceExporter(frontendFormat, base, { headers: AUTH }),
      );
      instrumentation.setTracerProvider(frontend.provider);
      const traceId = await frontend.tracer.startActiveSpan('checkout', async (span) => {
        expect(await get(`http://127.0.0.1:${inventory.port}/stock?sku=42`)).toBe(200);
        span.end();
        return span.spanContext().traceId;
      });
      await frontend.flush();
      await inventory.stop();

      const spans = await eventually(
        async () => {
          const found = (await readSpanLog(dir)).filter((s) => s.traceId === traceId);
          return found.length === 4 ? found : undefined;
        },
        20_000,
        `the 4 spans of trace ${traceId} in the spans log`,
      );
      const find = (service: string, kind: string): Span => {
        const s = spans.find((x) => x.service === service && x.kind === kind);
        if (s === undefined) throw new Error(`no ${kind} span of ${service}`);
        return s;
      };
      const checkout = find(frontendName, 'internal');
      const client = find(frontendName, 'client');
      const server = find(inventoryName, 'server');
      const lookup = find(inventoryName, 'internal');
      expect(checkout.parentSpanId).toBe('');
      expect(client.parentSpanId).toBe(checkout.spanId);
      expect(server.parentSpanId).toBe(client.spanId);
      expect(lookup.parentSpanId).toBe(server.spanId);
      expect(lookup).toMatchObject({ name: 'stock.lookup', attributes: { sku: '42' } });
      // The instrumentation's attributes, then the resource's under them.
      expect(server.attributes['http.method'] ?? server.attributes['http.request.method']).toBe('GET');
      expect(server.attributes['service.version']).toBe('1.2.3');
      // What the frontend's SDK made, exactly: ids, times to the nanosecond, kinds, status.
      for (const sent of frontend.sent)
        expect(spans.find((s) => s.spanId === sent.spanContext().spanId)).toMatchObject(expectedSpan(sent));

      // The span metrics of the frontend's checkout span, through the query API.
      const durationMs = Number(BigInt(checkout.endUnixNano) - BigInt(checkout.startUnixNano)) / 1e6;
      const query = (metric: string, agg: string) =>
        timeseries(
          vantage.api,
          {
            service: frontendName,
            metric,
            from: '-30m',
            to: '+2m',
            step: '1m',
            agg,
            tags: 'operation:checkout',
          },
          AUTH,
        ).catch(() => []);
      const calls = await eventually(
        async () => {
          const series = await query('span_calls_total', 'sum');
          const total = series[0]?.points.reduce((sum, [, v]) => sum + v, 0);
          return total === 1 ? series : undefined;
        },
        20_000,
        'span_calls_total{operation=checkout} = 1',
      );
      expect(calls).toHaveLength(1);
      const [duration] = await query('span_duration_ms', 'max');
      expect(duration?.points.find(([, v]) => v !== null)?.[1]).toBe(durationMs);
      // And its exemplar links the metric back to the span.
      const res = await fetch(
        `${vantage.api}/v1/exemplars?service=${frontendName}&metric=span_duration_ms&from=-30m&to=%2B2m`,
        { headers: AUTH },
      );
      const { exemplars } = (await res.json()) as {
        exemplars: { traceId: string; spanId: string; tags: Record<string, string> }[];
      };
      expect(exemplars).toContainEqual(
        expect.objectContaining({
          traceId,
          spanId: checkout.spanId,
          tags: { operation: 'checkout', span_kind: 'internal', status_code: 'unset' },
        }),
      );
      await frontend.shutdown();
    },
    60_000,
  );
});

describe('a trace from the OpenTelemetry Python SDK', () => {
  it('reaches the spans bus exactly as the SDK made it, with events, links and status', async () => {
    const run = spawnSync(
      VENV_PYTHON,
      [
        join(REPO_ROOT, 'test', 'support', 'otel_python_trace_app.py'),
        `${vantage.otlpHttp}/v1/traces`,
        KEY,
        'py-orders',
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    expect(run.status, `${run.stdout}\n${run.stderr}`).toBe(0);
    const sent = run.stdout
      .trim()
      .split('\n')
      .map(
        (line) =>
          JSON.parse(line) as Pick<
            Span,
            'traceId' | 'spanId' | 'parentSpanId' | 'name' | 'startUnixNano' | 'endUnixNano'
          >,
      );
    expect(sent).toHaveLength(2);
    const traceId = (sent[0] as { traceId: string }).traceId;
    const spans = await eventually(
      async () => {
        const found = (await readSpanLog(dir)).filter((s) => s.traceId === traceId);
        return found.length === 2 ? found : undefined;
      },
      20_000,
      `the 2 spans of trace ${traceId}`,
    );
    for (const s of sent)
      expect(spans.find((x) => x.spanId === s.spanId)).toMatchObject({ ...s, service: 'py-orders' });
    const root = spans.find((s) => s.name === 'POST /orders') as Span;
    const child = spans.find((s) => s.name === 'charge card') as Span;
    expect(root).toMatchObject({
      kind: 'server',
      parentSpanId: '',
      attributes: { 'http.request.method': 'POST', 'order.items': 3 },
    });
    expect(root.attributes['telemetry.sdk.language']).toBe('python');
    expect(child).toMatchObject({
      kind: 'client',
      parentSpanId: root.spanId,
      status: 'error',
      statusMessage: 'card declined',
      attributes: { 'payment.provider': 'acme', amount: 12.5 },
      events: [{ name: 'declined', attributes: { code: '51' } }],
      links: [{ traceId, spanId: root.spanId, attributes: { why: 'retry of' } }],
    });
    // Its failed call counts as an error in the service's span metrics.
    const errors = await eventually(
      async () => {
        const series = await timeseries(
          vantage.api,
          {
            service: 'py-orders',
            metric: 'span_calls_total',
            from: '-30m',
            to: '+2m',
            step: '1m',
            agg: 'sum',
            tags: 'status_code:error',
          },
          AUTH,
        ).catch(() => []);
        const total = series[0]?.points.reduce((sum, [, v]) => sum + v, 0);
        return total === 1 ? total : undefined;
      },
      20_000,
      'span_calls_total{status_code=error} = 1',
    );
    expect(errors).toBe(1);
  }, 90_000);
});
