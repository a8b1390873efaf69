import { randomBytes } from 'node:crypto';
import { ProtobufWriter } from '../src/core/index.js';
import type { RemoteWriteLoad } from './remote-write-load.js';

/*
 * OTLP trace load: ExportTraceServiceRequest bodies as an SDK's BatchSpanProcessor sends them
 * (one ResourceSpans per service, a scope, the spans), of traces of 10 to 50 spans across 5
 * services, each span with 10 attributes (HTTP and database semantic conventions, a user id).
 */

export interface SpanShape {
  /** Spans in all. */
  readonly spans: number;
  /** Spans per body, about: whole traces go in a body. */
  readonly batch: number;
  readonly connections: number;
}

const SERVICES = ['frontend', 'checkout', 'cart', 'inventory', 'payments'];
const OPERATIONS = ['GET /cart', 'POST /checkout', 'SELECT stock', 'charge', 'render', 'GET /items/{id}'];

interface BenchSpan {
  readonly traceId: Buffer;
  readonly spanId: Buffer;
  readonly parent: Buffer | undefined;
  readonly service: number;
  readonly name: string;
  readonly kind: number;
  readonly start: bigint;
  readonly end: bigint;
  readonly error: boolean;
  readonly n: number;
}

const kv = (w: ProtobufWriter, field: number, key: string, value: string | number | boolean): void => {
  w.messageField(field, (a) =>
    a.stringField(1, key).messageField(2, (v) => {
      if (typeof value === 'string') v.stringField(1, value);
      else if (typeof value === 'boolean') v.varintField(2, value ? 1 : 0);
      else v.varintField(3, value);
    }),
  );
};

function trace(startNs: bigint, seq: number): BenchSpan[] {
  const traceId = randomBytes(16);
  const size = 10 + (seq % 41);
  const spans: BenchSpan[] = [];
  for (let i = 0; i < size; i++) {
    const parent = i === 0 ? undefined : spans[Math.floor((i - 1) / 3)];
    const start = startNs + BigInt(i) * 200_000n;
    spans.push({
      traceId,
      spanId: randomBytes(8),
      parent: parent?.spanId,
      service: i === 0 ? 0 : (parent?.service ?? 0) + (i % 3 === 0 ? 1 : 0),
      name: OPERATIONS[(seq + i) % OPERATIONS.length] as string,
      kind: i === 0 ? 2 : i % 2 === 0 ? 3 : 1,
      start,
      end: start + BigInt(1 + ((seq * 7 + i * 13) % 250)) * 1_000_000n,
      error: (seq + i) % 50 === 0,
      n: seq * 100 + i,
    });
  }
  return spans;
}

/** Span: trace_id 1, span_id 2, parent 4, name 5, kind 6, start 7, end 8, attributes 9, status 15. */
function encodeSpan(w: ProtobufWriter, s: BenchSpan): void {
  w.messageField(2, (p) => {
    p.bytesField(1, s.traceId).bytesField(2, s.spanId);
    if (s.parent) p.bytesField(4, s.parent);
    p.stringField(5, s.name).varintField(6, s.kind).fixed64Field(7, s.start).fixed64Field(8, s.end);
    kv(p, 9, 'http.request.method', s.n % 2 === 0 ? 'GET' : 'POST');
    kv(p, 9, 'http.route', s.name);
    kv(p, 9, 'http.response.status_code', s.error ? 500 : 200);
    kv(p, 9, 'url.scheme', 'https');
    kv(p, 9, 'server.address', `${SERVICES[s.service % SERVICES.length] as string}.internal`);
    kv(p, 9, 'server.port', 8443);
    kv(p, 9, 'db.system', 'postgresql');
    kv(p, 9, 'user.id', `user-${s.n % 10_000}`);
    kv(p, 9, 'cache.hit', s.n % 3 === 0);
    kv(p, 9, 'net.peer.name', `10.0.${s.n % 256}.${(s.n >> 8) % 256}`);
    if (s.error) p.messageField(15, (st) => st.stringField(2, 'upstream failed').varintField(3, 2));
  });
}

/**
 * Distinct bodies encoded; the load sends them in turn. Encoding costs about as much as ingesting,
 * so a load of millions of distinct spans would take minutes to build; what the receiver does with
 * a body does not depend on having seen its ids before (the spans bus keeps every span it is sent).
 */
export const DISTINCT_BODIES = 40;

/** Bodies ready to send; `samplesPerBody` counts spans. Times are now: the bench runs at once. */
export function buildSpanLoad(shape: SpanShape): RemoteWriteLoad {
  const bodies: Buffer[] = [];
  const spansPerBody: number[] = [];
  let bytes = 0;
  let seq = 0;
  let made = 0;
  const now = BigInt(Date.now()) * 1_000_000n;
  while (made < shape.spans) {
    if (bodies.length >= DISTINCT_BODIES) {
      const i = bodies.length % DISTINCT_BODIES;
      bodies.push(bodies[i] as Buffer);
      spansPerBody.push(spansPerBody[i] as number);
      bytes += (bodies[i] as Buffer).length;
      made += spansPerBody[i] as number;
      continue;
    }
    const spans: BenchSpan[] = [];
    while (spans.length < shape.batch) spans.push(...trace(now - BigInt(seq % 60_000) * 1_000_000n, seq++));
    const w = new ProtobufWriter();
    for (let service = 0; service < SERVICES.length; service++) {
      const own = spans.filter((s) => s.service % SERVICES.length === service);
      if (own.length === 0) continue;
      w.messageField(1, (rs) => {
        rs.messageField(1, (r) => {
          kv(r, 1, 'service.name', SERVICES[service] as string);
          kv(r, 1, 'service.version', '1.4.2');
          kv(r, 1, 'host.name', `node-${service}`);
        });
        rs.messageField(2, (ss) => {
          ss.messageField(1, (scope) => scope.stringField(1, '@opentelemetry/instrumentation-http'));
          for (const s of own) encodeSpan(ss, s);
        });
      });
    }
    const body = Buffer.from(w.finish());
    bodies.push(body);
    spansPerBody.push(spans.length);
    bytes += body.length;
    made += spans.length;
  }
  const t = Date.now();
  return { bodies, samplesPerBody: spansPerBody, bytes, from: t, to: t };
}
