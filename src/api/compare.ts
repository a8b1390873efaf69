import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { TSchema } from '@sinclair/typebox';
import { isWelchUndefined, mergeStepStats, stepValue, welchTTest } from '../core/index.js';
import type { CompareResponse, CompareSide, MetricType } from '../core/index.js';
import type { BucketGroup, Store } from '../storage/index.js';
import { CACHE_HEADER, wantsFreshAnswer } from './cached-answers.js';
import type { RangeReadOptions } from './route-options.js';
import { CompareQuerySchema, parseCompareQuery } from './compare-request.js';
import type { CompareQueryParams, CompareSideSelection, ParsedCompareQuery } from './compare-request.js';

/** Significance level of the test: the conventional 5 %. */
const COMPARE_ALPHA = 0.05;

/**
 * GET /v1/compare: one metric on two sides (two services, or two values of a tag within a
 * service), per side over the whole range and step by step, and Welch's t-test on the per-step
 * values. Built on Store.queryBuckets, so every store gives the same answer.
 */
export const compareRoutes: FastifyPluginAsync<RangeReadOptions> = async (app, options) => {
  app.get<{ Querystring: CompareQueryParams }>(
    '/v1/compare',
    {
      schema: {
        summary: 'Compare one metric between two services or two tag values (A/B)',
        description:
          "Per side: count, mean, p50/p95/p99, rate and per-step values; B - A differences; Welch's t-test on the per-step values. See docs/api.md.",
        querystring: CompareQuerySchema,
        response: { 200: CompareResponseSchema },
      },
    },
    async (request, reply): Promise<CompareResponse> => {
      const q = parseCompareQuery(
        request.query,
        options.clock(),
        options.retention,
        options.maxPointsPerSeries,
      );
      const key = [q.metric, q.service, q.a.selector, q.b.selector, q.from, q.to, q.stepMs, q.tier.name];
      const { value, cache } = await options.answers.cached(
        {
          query: 'compare',
          key: `compare ${JSON.stringify(key)}`,
          rangeEnd: q.to,
          fresh: wantsFreshAnswer(request.headers),
        },
        async () => {
          const stop = options.metrics.queryDuration.startTimer({ query: 'compare', tier: q.tier.name });
          const [a, b] = await Promise.all([
            readSide(options.store, q, q.a),
            readSide(options.store, q, q.b),
          ]);
          stop();
          return compare(q, a, b);
        },
      );
      reply.header(CACHE_HEADER, cache);
      return value;
    },
  );
};

async function readSide(
  store: Store,
  q: ParsedCompareQuery,
  side: CompareSideSelection,
): Promise<BucketGroup | undefined> {
  const [group] = await store.queryBuckets({
    ...side.selector,
    groupBy: [],
    from: q.from,
    to: q.to,
    stepMs: q.stepMs,
    tier: q.tier,
    needLast: false,
    needSketch: true,
  });
  return group;
}

/** The answer, from each side's steps (undefined: the side has no data in the range). */
export function compare(
  q: ParsedCompareQuery,
  groupA: BucketGroup | undefined,
  groupB: BucketGroup | undefined,
): CompareResponse {
  // A counter's per-step mean is the mean delta per send, which depends on how often clients
  // send; its per-step rate does not. A gauge (a latency per request) is compared by its means.
  const types = [groupA, groupB].flatMap((g) => (g === undefined ? [] : [g.type]));
  const counters = types.length > 0 && types.every((t) => t === 'counter');
  const on = counters ? 'per-step rates' : 'per-step means';
  const a = summarize(q, q.a.label, groupA, counters);
  const b = summarize(q, q.b.label, groupB, counters);
  const test = welchTTest(
    a.points.map(([, v]) => v),
    b.points.map(([, v]) => v),
  );
  const answered = !isWelchUndefined(test);
  return {
    metric: q.metric,
    service: q.service,
    from: q.from,
    to: q.to,
    step: q.stepMs,
    a,
    b,
    difference: {
      mean: minus(a.mean, b.mean),
      meanPercent: percent(a.mean, b.mean),
      p50: minus(a.p50, b.p50),
      p50Percent: percent(a.p50, b.p50),
      p95: minus(a.p95, b.p95),
      p95Percent: percent(a.p95, b.p95),
      p99: minus(a.p99, b.p99),
      p99Percent: percent(a.p99, b.p99),
      rate: minus(a.rate, b.rate),
      ratePercent: percent(a.rate, b.rate),
    },
    significance: {
      test: 'welch_t',
      on,
      t: answered ? test.t : null,
      df: answered ? test.df : null,
      pValue: answered ? test.pValue : null,
      alpha: COMPARE_ALPHA,
      significant: answered ? test.pValue < COMPARE_ALPHA : null,
      samplesA: a.points.length,
      samplesB: b.points.length,
      note: answered ? null : whyNoTest(q, a, b, test.reason),
    },
  };
}

function whyNoTest(q: ParsedCompareQuery, a: CompareSide, b: CompareSide, reason: string): string {
  for (const [name, side] of [
    ['A', a],
    ['B', b],
  ] as const) {
    const n = side.points.length;
    if (n === 0) return `side ${name} (${side.side}) has no ${q.metric} data in the range`;
    if (n < 2) {
      return `side ${name} (${side.side}) has data in 1 step; the test needs 2 or more per side: widen the range or use a smaller step`;
    }
  }
  return reason;
}

function summarize(
  q: ParsedCompareQuery,
  label: string,
  group: BucketGroup | undefined,
  perStepRate: boolean,
): CompareSide {
  const type: MetricType = group?.type ?? 'gauge';
  const buckets = group?.buckets ?? [];
  const total = mergeStepStats(buckets);
  const whole = (agg: 'avg' | 'p50' | 'p95' | 'p99'): number | null =>
    stepValue(agg, total, type, q.to - q.from) ?? null;
  return {
    side: label,
    count: total.count,
    mean: whole('avg'),
    p50: whole('p50'),
    p95: whole('p95'),
    p99: whole('p99'),
    rate: stepValue('rate', total, type, q.to - q.from) ?? 0,
    points: buckets.flatMap((bucket): [number, number][] => {
      const v = stepValue(perStepRate ? 'rate' : 'avg', bucket, type, q.stepMs);
      return v === undefined ? [] : [[bucket.start, v]];
    }),
  };
}

function minus(a: number | null, b: number | null): number | null {
  return a === null || b === null ? null : b - a;
}

/** B's change relative to A, in percent; null when A is 0 (no relative change exists). */
function percent(a: number | null, b: number | null): number | null {
  return a === null || b === null || a === 0 ? null : ((b - a) / Math.abs(a)) * 100;
}

const nullable = (schema: TSchema) => Type.Union([schema, Type.Null()]);
const NullableNumber = nullable(Type.Number());

const CompareSideSchema = Type.Object({
  side: Type.String(),
  count: Type.Number(),
  mean: NullableNumber,
  p50: NullableNumber,
  p95: NullableNumber,
  p99: NullableNumber,
  rate: Type.Number({ description: 'Per second over the range' }),
  points: Type.Array(Type.Tuple([Type.Number(), Type.Number()]), {
    description: '[step start, per-step mean (rate for counters)]',
  }),
});

const CompareResponseSchema = Type.Object({
  metric: Type.String(),
  service: nullable(Type.String()),
  from: Type.Number(),
  to: Type.Number(),
  step: Type.Number(),
  a: CompareSideSchema,
  b: CompareSideSchema,
  difference: Type.Object(
    Object.fromEntries(
      ['mean', 'p50', 'p95', 'p99', 'rate'].flatMap((k) => [
        [k, NullableNumber],
        [`${k}Percent`, NullableNumber],
      ]),
    ),
    { description: 'B - A, and as a percent of A (null where A is 0 or a value is missing)' },
  ),
  significance: Type.Object({
    test: Type.Literal('welch_t'),
    on: Type.Union([Type.Literal('per-step means'), Type.Literal('per-step rates')]),
    t: NullableNumber,
    df: NullableNumber,
    pValue: NullableNumber,
    alpha: Type.Number(),
    significant: nullable(Type.Boolean()),
    samplesA: Type.Integer(),
    samplesB: Type.Integer(),
    note: nullable(Type.String()),
  }),
});
