import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { METRIC_LIMITS } from '../core/index.js';

/** Limits on one metric that the configuration sets. */
export interface MetricLimits {
  readonly maxTags: number;
  readonly maxBatchSize: number;
}

export const SERVICE_PATTERN = METRIC_LIMITS.servicePattern.source;
export const NAME_PATTERN = METRIC_LIMITS.namePattern.source;
export const TAG_KEY_PATTERN = METRIC_LIMITS.tagKeyPattern.source;
export const MAX_SERVICE_LENGTH = METRIC_LIMITS.serviceMaxLength;
export const MAX_NAME_LENGTH = METRIC_LIMITS.nameMaxLength;
export const MAX_TAG_KEY_LENGTH = METRIC_LIMITS.tagKeyMaxLength;
export const MAX_TAG_VALUE_LENGTH = METRIC_LIMITS.tagValueMaxLength;

/** JSON Schema of one metric in POST /v1/metrics; also the OpenAPI description of it. */
export function metricSchema(limits: MetricLimits) {
  return Type.Object(
    {
      service: Type.String({
        minLength: 1,
        maxLength: MAX_SERVICE_LENGTH,
        pattern: SERVICE_PATTERN,
        description: 'The service that emitted the metric',
        examples: ['checkout'],
      }),
      name: Type.String({
        minLength: 1,
        maxLength: MAX_NAME_LENGTH,
        pattern: NAME_PATTERN,
        description: 'Metric name',
        examples: ['http_request_duration_ms'],
      }),
      value: Type.Number({ description: 'A finite number' }),
      timestamp: Type.Optional(
        Type.Union(
          [
            Type.Integer({ minimum: 0, description: 'Epoch milliseconds' }),
            Type.String({ maxLength: 64, description: 'RFC 3339' }),
          ],
          {
            description: 'When the value was measured; server time when absent',
          },
        ),
      ),
      type: Type.Optional(
        Type.Union([Type.Literal('gauge'), Type.Literal('counter')], {
          description:
            'gauge (default): a measurement, aggregated into count/sum/min/max/last/quantiles; counter: a delta, summed per minute',
        }),
      ),
      tags: Type.Optional(
        Type.Record(Type.String(), Type.String({ maxLength: MAX_TAG_VALUE_LENGTH }), {
          maxProperties: limits.maxTags,
          propertyNames: {
            pattern: TAG_KEY_PATTERN,
            maxLength: MAX_TAG_KEY_LENGTH,
            not: { enum: ['__proto__', 'constructor', 'prototype'] },
          },
          description: `Up to ${limits.maxTags} string tags`,
        }),
      ),
    },
    { additionalProperties: false },
  );
}

export type MetricInput = Static<ReturnType<typeof metricSchema>>;

export function envelopeSchema(limits: MetricLimits) {
  return Type.Object(
    { metrics: Type.Array(metricSchema(limits), { maxItems: limits.maxBatchSize }) },
    { additionalProperties: false },
  );
}

const Rejection = Type.Object({
  index: Type.Integer(),
  code: Type.String(),
  field: Type.String(),
  message: Type.String(),
});

export const IngestResponseSchema = Type.Object({
  accepted: Type.Integer({ description: 'Metrics now durable' }),
  rejected: Type.Array(Rejection, { description: 'Each metric that was not accepted, with why' }),
});

export type IngestResponse = Static<typeof IngestResponseSchema>;

export const ErrorResponseSchema = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
  }),
  rejected: Type.Optional(Type.Array(Rejection)),
});
