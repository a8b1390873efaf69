import type { Span, SpanKind } from '../../src/core/index.js';

/**
 * Traces for the trace stores' tests, the parity test and the trace benchmark: a deterministic
 * generator (a seed gives the same spans every time), traces of a frontend calling services that
 * call a database, with parent links across services, errors and attributes.
 */

export interface TraceShape {
  readonly traceIndex: number;
  /** Epoch ms of the root span's start. */
  readonly startMs: number;
  /** Spans in the trace (at least 2). */
  readonly spans: number;
  readonly seed?: number;
}

const SERVICES = ['frontend', 'checkout', 'payments', 'inventory', 'db-proxy'];
const OPERATIONS: Record<string, string[]> = {
  frontend: ['GET /', 'GET /cart', 'POST /checkout'],
  checkout: ['PlaceOrder', 'GetQuote'],
  payments: ['Charge', 'Refund'],
  inventory: ['Reserve', 'Lookup'],
  'db-proxy': ['SELECT', 'INSERT', 'UPDATE'],
};

function hex(n: bigint, digits: number): string {
  return n.toString(16).padStart(digits, '0').slice(-digits);
}

/** A small fast PRNG (mulberry32): fixtures must not depend on Math.random. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function traceIdOf(index: number, seed = 1): string {
  return hex(BigInt(seed) * 0x1000000000000n + BigInt(index) + 1n, 16) + hex(BigInt(index) * 7919n + 11n, 16);
}

/** One trace: span 0 is the frontend's root; each later span's parent is an earlier one. */
export function makeTrace(shape: TraceShape): Span[] {
  const random = rng((shape.seed ?? 1) * 1_000_003 + shape.traceIndex);
  const traceId = traceIdOf(shape.traceIndex, shape.seed ?? 1);
  const spans: Span[] = [];
  const rootStartNs = BigInt(shape.startMs) * 1_000_000n + BigInt(Math.floor(random() * 1_000_000));
  for (let i = 0; i < shape.spans; i += 1) {
    const parent = i === 0 ? undefined : spans[Math.floor(random() * i)];
    const service =
      i === 0 ? 'frontend' : (SERVICES[1 + Math.floor(random() * (SERVICES.length - 1))] ?? 'checkout');
    const ops = OPERATIONS[service] ?? ['op'];
    const name = ops[Math.floor(random() * ops.length)] ?? 'op';
    const parentStart = parent ? BigInt(parent.startUnixNano) : rootStartNs;
    const startNs = parentStart + BigInt(Math.floor(random() * 5_000_000));
    const durationNs = BigInt(Math.floor(random() * (i === 0 ? 900 : 200) * 1_000_000) + 1000);
    const error = random() < 0.05;
    const kind: SpanKind = i === 0 ? 'server' : parent?.service === service ? 'internal' : 'server';
    spans.push({
      traceId,
      spanId: hex(BigInt(shape.traceIndex) * 4096n + BigInt(i) + 1n, 16),
      parentSpanId: parent?.spanId ?? '',
      service,
      name,
      kind,
      startUnixNano: startNs.toString(),
      endUnixNano: (startNs + durationNs).toString(),
      status: error ? 'error' : random() < 0.5 ? 'ok' : 'unset',
      statusMessage: error ? 'boom' : '',
      attributes: {
        'http.method': i % 2 === 0 ? 'GET' : 'POST',
        'http.status_code': error ? 500 : 200,
        'net.peer.port': 8000 + (i % 7),
        retry: random() < 0.1,
        'customer.tier': ['gold', 'silver', 'bronze'][shape.traceIndex % 3] ?? 'gold',
        region: 'eu-west-1',
        'host.name': `host-${shape.traceIndex % 13}`,
        'span.index': i,
        'sampling.ratio': 0.25,
        component: 'fixture',
      },
      events: error
        ? [
            {
              timeUnixNano: (startNs + 1000n).toString(),
              name: 'exception',
              attributes: { 'exception.message': 'boom' },
            },
          ]
        : [],
      links:
        i === 1
          ? [
              {
                traceId: traceIdOf(shape.traceIndex + 1, shape.seed ?? 1),
                spanId: hex(1n, 16),
                attributes: {},
              },
            ]
          : [],
    });
  }
  return spans;
}

/** `count` traces of 3-12 spans, started every `everyMs` from `fromMs`. */
export function makeTraces(count: number, fromMs: number, everyMs: number, seed = 1): Span[] {
  const out: Span[] = [];
  for (let t = 0; t < count; t += 1) {
    out.push(...makeTrace({ traceIndex: t, startMs: fromMs + t * everyMs, spans: 3 + (t % 10), seed }));
  }
  return out;
}
