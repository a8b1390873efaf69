import { describe, expect, expectTypeOf, it } from 'vitest';
import type {
  ApiSpanAttributes,
  ApiSpanKind,
  ApiSpanStatus,
  TraceSpanEvent,
  TraceSpanLink,
} from './api-types.js';
import { SPAN_KINDS } from './span.js';
import type { SpanAttributes, SpanEvent, SpanKind, SpanLink, SpanStatus } from './span.js';

/** The API's span shapes are written apart from span.ts for the dashboard's sake: they must not drift. */
describe('trace API types', () => {
  it('name the same kinds, statuses, attributes, events and links as span.ts', () => {
    expectTypeOf<ApiSpanKind>().toEqualTypeOf<SpanKind>();
    expectTypeOf<ApiSpanStatus>().toEqualTypeOf<SpanStatus>();
    expectTypeOf<ApiSpanAttributes>().toEqualTypeOf<SpanAttributes>();
    expectTypeOf<Readonly<TraceSpanEvent>>().toEqualTypeOf<SpanEvent>();
    expectTypeOf<Readonly<TraceSpanLink>>().toEqualTypeOf<SpanLink>();
    const kinds: readonly ApiSpanKind[] = SPAN_KINDS;
    expect(kinds).toHaveLength(6);
  });
});
