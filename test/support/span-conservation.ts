import { randomBytes } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { ProtobufReader, ProtobufWriter } from '../../src/core/index.js';
import type { LoadRequest, SentRequest } from './conservation.js';
import { TRACES_EXPORT, rawGrpcCall } from './otlp-receivers.js';

/**
 * Span load for the failure tests' conservation check (test/support/conservation.ts): each request
 * is `size` spans in traces of up to SPANS_PER_TRACE, every span carrying its request as attribute
 * `req`, so ClickHouse says per request whether its spans are all there, once. A request's count
 * is its spans, its sum their durations in ns (distinct per span, so a span stored twice and
 * another missing do not cancel out). Bodies are our own OTLP, JSON or protobuf over HTTP, or
 * protobuf over gRPC (its status mapped to the HTTP answer LoadClients reads: UNAVAILABLE is a
 * 503, RetryInfo's delay its Retry-After).
 */
export type SpanTransport = 'json' | 'protobuf' | 'grpc';

export const SPANS_PER_TRACE = 10;

interface LoadSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly durationNs: number;
}

export class SpanRequests {
  /** Starts every trace and span id of this load: ids of other loads never collide. */
  readonly prefix = `1${randomBytes(4).toString('hex').slice(1)}`;
  /** Each trace sent: its request and spans. */
  readonly traces = new Map<string, { readonly req: string; readonly spans: number }>();

  constructor(
    private readonly service: string,
    private readonly transport: SpanTransport,
    /** Resource attributes besides service.name. */
    private readonly resource: Record<string, string> = {},
  ) {}

  /** LoadOptions.request. */
  readonly make = (req: string, size: number): LoadRequest => {
    const n = Number(req.slice(1));
    const spans: LoadSpan[] = [];
    for (let i = 0; i < size; i++) {
      const trace = Math.floor(i / SPANS_PER_TRACE);
      const traceId = `${this.prefix}${'0'.repeat(8)}${hex(n, 8)}${hex(trace, 8)}`;
      const root = spans[trace * SPANS_PER_TRACE];
      spans.push({
        traceId,
        spanId: `${this.prefix}${hex(n * 1_000 + i, 8)}`,
        parentSpanId: root === undefined ? '' : root.spanId,
        durationNs: (((n * 7 + i) % 23) + 1) * 1_000_000 + i,
      });
      const seen = this.traces.get(traceId);
      this.traces.set(traceId, { req, spans: (seen?.spans ?? 0) + 1 });
    }
    const startNs = BigInt(Date.now() - 1_000) * 1_000_000n;
    const send =
      this.transport === 'grpc'
        ? (target: string) => grpcExport(target, this.protobuf(req, spans, startNs))
        : this.transport === 'protobuf'
          ? (target: string) => post(target, 'application/x-protobuf', this.protobuf(req, spans, startNs))
          : (target: string) =>
              post(target, 'application/json', JSON.stringify(this.json(req, spans, startNs)));
    return { count: spans.length, sum: spans.reduce((a, s) => a + s.durationNs, 0), send };
  };

  private resourceAttributes(): [string, string][] {
    return [['service.name', this.service], ...Object.entries(this.resource)];
  }

  private json(req: string, spans: readonly LoadSpan[], startNs: bigint): unknown {
    const kv = ([key, value]: [string, string]) => ({ key, value: { stringValue: value } });
    return {
      resourceSpans: [
        {
          resource: { attributes: this.resourceAttributes().map(kv) },
          scopeSpans: [
            {
              scope: { name: 'vantage-failure-tests' },
              spans: spans.map((s) => ({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId,
                name: s.parentSpanId === '' ? 'handle' : 'work',
                kind: s.parentSpanId === '' ? 2 : 1,
                startTimeUnixNano: startNs.toString(),
                endTimeUnixNano: (startNs + BigInt(s.durationNs)).toString(),
                attributes: [kv(['req', req])],
              })),
            },
          ],
        },
      ],
    };
  }

  /** ExportTraceServiceRequest: resource_spans = 1 { resource = 1, scope_spans = 2 { spans = 2 } }. */
  private protobuf(req: string, spans: readonly LoadSpan[], startNs: bigint): Uint8Array {
    const kv = (w: ProtobufWriter, key: string, value: string): void => {
      w.stringField(1, key).messageField(2, (v) => v.stringField(1, value));
    };
    return new ProtobufWriter()
      .messageField(1, (rs) => {
        rs.messageField(1, (r) => {
          for (const [key, value] of this.resourceAttributes()) r.messageField(1, (a) => kv(a, key, value));
        });
        rs.messageField(2, (ss) => {
          ss.messageField(1, (scope) => scope.stringField(1, 'vantage-failure-tests'));
          for (const s of spans) {
            ss.messageField(2, (w) => {
              w.bytesField(1, Buffer.from(s.traceId, 'hex')).bytesField(2, Buffer.from(s.spanId, 'hex'));
              if (s.parentSpanId !== '') w.bytesField(4, Buffer.from(s.parentSpanId, 'hex'));
              w.stringField(5, s.parentSpanId === '' ? 'handle' : 'work')
                .varintField(6, s.parentSpanId === '' ? 2 : 1)
                .fixed64Field(7, startNs)
                .fixed64Field(8, startNs + BigInt(s.durationNs))
                .messageField(9, (a) => kv(a, 'req', req));
            });
          }
        });
      })
      .finish();
  }
}

function hex(n: number, digits: number): string {
  return n.toString(16).padStart(digits, '0');
}

function post(otlpHttp: string, contentType: string, body: string | Uint8Array): Promise<Response> {
  return fetch(`${otlpHttp}/v1/traces`, { method: 'POST', headers: { 'content-type': contentType }, body });
}

/**
 * One export over gRPC, answered as OTLP/HTTP would answer it: OK is a 200; our UNAVAILABLE (it
 * carries grpc-status-details-bin) a 503 with RetryInfo's delay as Retry-After (none if it has no
 * RetryInfo) and the ErrorInfo's code in the body; any other status a 500. No connection (gRPC's
 * own UNAVAILABLE, without our details) throws, as fetch does: the request got no answer.
 */
async function grpcExport(address: string, body: Uint8Array): Promise<Response> {
  const { error } = await rawGrpcCall(address, TRACES_EXPORT, body);
  if (error === null) return new Response('{}', { status: 200 });
  const details = error.metadata?.get('grpc-status-details-bin')[0];
  if (!(details instanceof Buffer)) throw new Error(`no answer over gRPC: ${error.message}`);
  const code = error.details.split(':')[0] ?? 'none';
  const text = JSON.stringify({ error: { code, message: error.details } });
  if (error.code !== GrpcStatus.UNAVAILABLE) return new Response(text, { status: 500 });
  const delay = retryDelaySeconds(details);
  return new Response(text, {
    status: 503,
    headers: delay === undefined ? {} : { 'retry-after': String(delay) },
  });
}

/** google.rpc.Status's RetryInfo.retry_delay.seconds, if the status has one. */
function retryDelaySeconds(status: Buffer): number | undefined {
  const r = new ProtobufReader(status);
  while (!r.done) {
    const tag = r.tag();
    if (tag >>> 3 !== 3) {
      r.skip(tag & 7);
      continue;
    }
    const any = r.message();
    let type = '';
    let value: ProtobufReader | undefined;
    while (!any.done) {
      const t = any.tag();
      if (t >>> 3 === 1) type = any.string();
      else if (t >>> 3 === 2) value = any.message();
      else any.skip(t & 7);
    }
    if (!type.endsWith('google.rpc.RetryInfo') || value === undefined) continue;
    value.tag();
    const duration = value.message();
    duration.tag();
    return duration.int64();
  }
  return undefined;
}

/**
 * Stored spans per request, each span counted once: FINAL collapses the replays the spans'
 * ReplacingMergeTree keeps until its merges (the store's reads deduplicate the same way).
 */
export async function storedSpansPerRequest(
  client: ClickHouseClient,
  database: string,
  service: string,
): Promise<Map<string, { count: number; sum: number }>> {
  const result = await client.query({
    query: `SELECT JSONExtractString(attributes, 'req') AS req, count() AS count, sum(duration_ns) AS sum
            FROM ${database}.spans FINAL WHERE service = {service:String} GROUP BY req`,
    query_params: { service },
    format: 'JSONEachRow',
  });
  const rows = await result.json<{ req: string; count: string; sum: string }>();
  return new Map(rows.map((r) => [r.req, { count: Number(r.count), sum: Number(r.sum) }]));
}

/** What the span ids and the trace summaries say, beside the per-request verdict. */
export interface SpanIdCheck {
  /** Rows before merges: a replayed span is a row more until the merge collapses it. */
  readonly rowsBeforeMerge: number;
  readonly distinctSpanIds: number;
  /** Span ids with more than one row even under FINAL: each is a span stored twice. */
  readonly repeatedSpanIds: string[];
  /** Traces whose summary counts other spans than were sent (acknowledged) or than whole or none (not). */
  readonly summaryMismatches: string[];
  readonly tracesChecked: number;
}

export async function checkSpanIds(
  client: ClickHouseClient,
  database: string,
  service: string,
  requests: SpanRequests,
  sent: ReadonlyMap<string, SentRequest>,
): Promise<SpanIdCheck> {
  const totals = await client.query({
    query: `SELECT count() AS rows, uniqExact(span_id) AS ids FROM ${database}.spans WHERE service = {service:String}`,
    query_params: { service },
    format: 'JSONEachRow',
  });
  const [total] = await totals.json<{ rows: string; ids: string }>();
  const repeated = await client.query({
    query: `SELECT span_id FROM ${database}.spans FINAL WHERE service = {service:String}
            GROUP BY span_id HAVING count() > 1 LIMIT 20`,
    query_params: { service },
    format: 'JSONEachRow',
  });
  const summaries = await client.query({
    query: `SELECT trace_id, uniqExactMerge(span_ids) AS spans FROM ${database}.trace_summaries
            WHERE startsWith(trace_id, {prefix:String}) GROUP BY trace_id`,
    query_params: { prefix: requests.prefix },
    format: 'JSONEachRow',
  });
  const counted = new Map(
    (await summaries.json<{ trace_id: string; spans: string }>()).map((r) => [r.trace_id, Number(r.spans)]),
  );
  const summaryMismatches: string[] = [];
  for (const [traceId, { req, spans }] of requests.traces) {
    const got = counted.get(traceId) ?? 0;
    const acked = sent.get(req)?.status === 'acked';
    // A trace is one bus message: stored whole or not at all, whatever its request was answered.
    if (acked ? got !== spans : got !== 0 && got !== spans)
      summaryMismatches.push(`${traceId} of ${req} (acked ${acked}): ${got} of ${spans} spans`);
  }
  for (const traceId of counted.keys())
    if (!requests.traces.has(traceId)) summaryMismatches.push(`${traceId}: summarised but never sent`);
  return {
    rowsBeforeMerge: Number(total?.rows ?? 0),
    distinctSpanIds: Number(total?.ids ?? 0),
    repeatedSpanIds: (await repeated.json<{ span_id: string }>()).map((r) => r.span_id),
    summaryMismatches,
    tracesChecked: requests.traces.size,
  };
}
