import { randomBytes } from 'node:crypto';
import { eventually } from './http.js';

/**
 * The traces the dashboard's end-to-end tests and screenshots send, over OTLP/HTTP JSON, with
 * what each view must then show. Two traces, three minutes ago (a finished minute, inside the
 * default hour):
 * - `checkout` (slow, one error): web `GET /checkout` 0-400 ms, with `auth` 10-60 ms beside the
 *   call to checkout (hidden behind it: not on the critical path) and `async-log` 390-450 ms after
 *   the root ends (the trace waits for it); checkout `POST /pay` 20-380 ms; checkout `SELECT cart`
 *   30-80 ms; payments `charge` 100-360 ms, failed, with an exception event and a link; ledger
 *   `write` 150-350 ms under charge.
 * - `health` (fast): web `GET /health`, 2 ms.
 */

interface TestSpan {
  readonly service: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  readonly name: string;
  /** OTLP's enum: 1 internal, 2 server, 3 client. */
  readonly kind: 1 | 2 | 3;
  readonly fromMs: number;
  readonly toMs: number;
  readonly error?: { readonly message: string };
  readonly attributes?: Record<string, string | number>;
  readonly links?: readonly { traceId: string; spanId: string }[];
}

export interface TraceData {
  readonly checkout: string;
  readonly health: string;
  /** Epoch ms of the checkout trace's root span's start. */
  readonly start: number;
  /** Span ids of the checkout trace by short name. */
  readonly span: Record<'root' | 'auth' | 'pay' | 'cart' | 'charge' | 'ledger' | 'log', string>;
}

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');

function attrs(values: Record<string, string | number>): { key: string; value: Record<string, unknown> }[] {
  return Object.entries(values).map(([key, v]) => ({
    key,
    value: typeof v === 'number' ? { intValue: String(v) } : { stringValue: v },
  }));
}

/** The OTLP/JSON body for spans of one trace, one resource per service (as each SDK sends). */
function otlpJson(traceId: string, start: number, spans: readonly TestSpan[]): unknown {
  const ns = (ms: number): string => (BigInt(start) * 1_000_000n + BigInt(Math.round(ms * 1e6))).toString();
  const services = [...new Set(spans.map((s) => s.service))];
  return {
    resourceSpans: services.map((service) => ({
      resource: { attributes: attrs({ 'service.name': service }) },
      scopeSpans: [
        {
          scope: { name: 'vantage-e2e' },
          spans: spans
            .filter((s) => s.service === service)
            .map((s) => ({
              traceId,
              spanId: s.spanId,
              parentSpanId: s.parentSpanId,
              name: s.name,
              kind: s.kind,
              startTimeUnixNano: ns(s.fromMs),
              endTimeUnixNano: ns(s.toMs),
              attributes: attrs(s.attributes ?? {}),
              events: s.error
                ? [
                    {
                      timeUnixNano: ns(s.toMs - 5),
                      name: 'exception',
                      attributes: attrs({
                        'exception.type': 'PaymentError',
                        'exception.message': s.error.message,
                      }),
                    },
                  ]
                : [],
              links: (s.links ?? []).map((l) => ({ traceId: l.traceId, spanId: l.spanId, attributes: [] })),
              status: s.error ? { code: 2, message: s.error.message } : { code: 1 },
            })),
        },
      ],
    })),
  };
}

async function postTraces(otlpHttp: string, body: unknown): Promise<void> {
  const res = await fetch(`${otlpHttp}/v1/traces`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`POST /v1/traces: ${res.status} ${await res.text()}`);
}

/** Sends both traces and waits until the query API returns every span of each. */
export async function sendTraceData(otlpHttp: string, api: string): Promise<TraceData> {
  const minute = 60_000;
  const start = Math.floor(Date.now() / minute) * minute - 3 * minute + 10_000;
  const checkout = hex(16);
  const health = hex(16);
  const span = {
    root: hex(8),
    auth: hex(8),
    pay: hex(8),
    cart: hex(8),
    charge: hex(8),
    ledger: hex(8),
    log: hex(8),
  };
  const spans: TestSpan[] = [
    {
      service: 'web',
      spanId: span.root,
      parentSpanId: '',
      name: 'GET /checkout',
      kind: 2,
      fromMs: 0,
      toMs: 400,
      attributes: { 'http.route': '/checkout' },
    },
    {
      service: 'web',
      spanId: span.auth,
      parentSpanId: span.root,
      name: 'auth',
      kind: 1,
      fromMs: 10,
      toMs: 60,
    },
    {
      service: 'web',
      spanId: span.log,
      parentSpanId: span.root,
      name: 'async-log',
      kind: 1,
      fromMs: 390,
      toMs: 450,
    },
    {
      service: 'checkout',
      spanId: span.pay,
      parentSpanId: span.root,
      name: 'POST /pay',
      kind: 2,
      fromMs: 20,
      toMs: 380,
      attributes: { 'http.route': '/pay', 'cart.items': 3 },
    },
    {
      service: 'checkout',
      spanId: span.cart,
      parentSpanId: span.pay,
      name: 'SELECT cart',
      kind: 3,
      fromMs: 30,
      toMs: 80,
    },
    {
      service: 'payments',
      spanId: span.charge,
      parentSpanId: span.pay,
      name: 'charge',
      kind: 2,
      fromMs: 100,
      toMs: 360,
      error: { message: 'card declined' },
      attributes: { 'payment.provider': 'acme' },
      links: [{ traceId: health, spanId: 'ffffffffffffffff' }],
    },
    {
      service: 'ledger',
      spanId: span.ledger,
      parentSpanId: span.charge,
      name: 'write',
      kind: 2,
      fromMs: 150,
      toMs: 350,
    },
  ];
  await postTraces(otlpHttp, otlpJson(checkout, start, spans));
  await postTraces(
    otlpHttp,
    otlpJson(health, start + 5_000, [
      { service: 'web', spanId: hex(8), parentSpanId: '', name: 'GET /health', kind: 2, fromMs: 0, toMs: 2 },
    ]),
  );
  for (const [id, count] of [
    [checkout, spans.length],
    [health, 1],
  ] as const) {
    await eventually(
      async () => {
        const res = await fetch(`${api}/v1/traces/${id}`);
        if (!res.ok) return undefined;
        const body = (await res.json()) as { spans: unknown[] };
        return body.spans.length === count ? true : undefined;
      },
      20_000,
      `trace ${id} in the store`,
    );
  }
  return { checkout, health, start, span };
}
