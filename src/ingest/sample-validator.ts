import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { formatDuration, METRIC_LIMITS, parseRfc3339, VantageError } from '../core/index.js';
import type { ErrorCode, Sample } from '../core/index.js';
import {
  MAX_NAME_LENGTH,
  MAX_SERVICE_LENGTH,
  MAX_TAG_KEY_LENGTH,
  MAX_TAG_VALUE_LENGTH,
  metricSchema,
} from './metric-schema.js';
import type { MetricInput, MetricLimits } from './metric-schema.js';

export interface ValidationLimits extends MetricLimits {
  readonly maxSampleAgeMs: number;
  readonly maxFutureSkewMs: number;
}

export interface Rejection {
  readonly index: number;
  readonly code: ErrorCode;
  readonly field: string;
  readonly message: string;
}

export interface ValidatedBatch {
  readonly samples: Sample[];
  /** Index in the request of each sample, for the rejections of later checks. */
  readonly indexes: number[];
  readonly rejected: Rejection[];
}

/**
 * Validates the metrics of one request with a compiled JSON Schema, then the checks a schema
 * cannot express (finite values, timestamps in range). Valid metrics become samples; each invalid
 * one becomes a rejection naming its index, field and reason.
 */
export class SampleValidator {
  private readonly validateMetric: ValidateFunction<MetricInput>;

  constructor(private readonly limits: ValidationLimits) {
    const ajv = new Ajv({ allErrors: false, strict: false });
    this.validateMetric = ajv.compile<MetricInput>(metricSchema(limits));
  }

  validate(body: unknown, now: number): ValidatedBatch {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new VantageError('VTG_INGEST_INVALID_ENVELOPE', {
        params: { reason: 'the body is not an object' },
        field: 'metrics',
      });
    }
    const metrics = (body as Record<string, unknown>).metrics;
    if (!Array.isArray(metrics)) {
      throw new VantageError('VTG_INGEST_INVALID_ENVELOPE', {
        params: { reason: '"metrics" must be an array' },
        field: 'metrics',
      });
    }
    if (metrics.length > this.limits.maxBatchSize) {
      throw new VantageError('VTG_INGEST_BATCH_TOO_LARGE', {
        params: { limit: this.limits.maxBatchSize },
        field: 'metrics',
      });
    }
    const samples: Sample[] = [];
    const indexes: number[] = [];
    const rejected: Rejection[] = [];
    for (let i = 0; i < metrics.length; i++) {
      const item: unknown = metrics[i];
      if (!this.validateMetric(item)) {
        rejected.push(this.schemaRejection(i, this.validateMetric.errors?.[0]));
        continue;
      }
      const result = this.toSample(item, i, now);
      if ('code' in result) rejected.push(result);
      else {
        samples.push(result);
        indexes.push(i);
      }
    }
    return { samples, indexes, rejected };
  }

  private toSample(m: MetricInput, index: number, now: number): Sample | Rejection {
    if (!Number.isFinite(m.value)) return reject(index, 'VTG_INGEST_NON_FINITE_VALUE', 'value');
    if (Math.abs(m.value) > METRIC_LIMITS.valueMaxMagnitude)
      return reject(index, 'VTG_INGEST_VALUE_OUT_OF_RANGE', 'value', {
        limit: METRIC_LIMITS.valueMaxMagnitude,
      });
    let timestamp = now;
    if (typeof m.timestamp === 'number') timestamp = m.timestamp;
    else if (typeof m.timestamp === 'string') {
      const parsed = parseRfc3339(m.timestamp);
      if (parsed === undefined) return reject(index, 'VTG_INGEST_TIMESTAMP_INVALID', 'timestamp');
      timestamp = parsed;
    }
    if (timestamp < now - this.limits.maxSampleAgeMs) {
      const looksLikeSeconds =
        typeof m.timestamp === 'number' &&
        m.timestamp < 1e11 &&
        m.timestamp * 1000 > now - this.limits.maxSampleAgeMs;
      return reject(
        index,
        'VTG_INGEST_TIMESTAMP_TOO_OLD',
        'timestamp',
        { limit: formatDuration(this.limits.maxSampleAgeMs) },
        looksLikeSeconds ? ' (it looks like seconds: send milliseconds)' : '',
      );
    }
    if (timestamp > now + this.limits.maxFutureSkewMs) {
      return reject(index, 'VTG_INGEST_TIMESTAMP_IN_FUTURE', 'timestamp', {
        limit: formatDuration(this.limits.maxFutureSkewMs),
      });
    }
    return {
      service: m.service,
      name: m.name,
      value: m.value,
      timestamp,
      type: m.type ?? 'gauge',
      tags: m.tags ?? {},
    };
  }

  private schemaRejection(index: number, error: ErrorObject | undefined): Rejection {
    const base = `metrics[${index}]`;
    if (error === undefined)
      return { index, code: 'VTG_INGEST_INVALID_SAMPLE', field: base, message: 'invalid metric' };
    const path = error.instancePath
      .split('/')
      .slice(1)
      .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    // Ajv names the offending key of a propertyNames failure on the error itself.
    const propertyName = error.propertyName ?? (error.params as { propertyName?: string }).propertyName;
    const fieldPath = propertyName !== undefined ? [...path, propertyName] : path;
    const field = [base, ...fieldPath].join('.');
    const top = fieldPath[0];
    if (error.keyword === 'maxProperties' && top === 'tags') {
      return withField(index, 'VTG_INGEST_TOO_MANY_TAGS', field, { limit: this.limits.maxTags });
    }
    if (error.keyword === 'maxLength') {
      if (top === 'tags' && propertyName === undefined) {
        return withField(index, 'VTG_INGEST_VALUE_TOO_LONG', field, { limit: MAX_TAG_VALUE_LENGTH });
      }
      const limit =
        top === 'service' ? MAX_SERVICE_LENGTH : top === 'tags' ? MAX_TAG_KEY_LENGTH : MAX_NAME_LENGTH;
      return withField(index, 'VTG_INGEST_NAME_TOO_LONG', field, { limit });
    }
    if (error.keyword === 'required') {
      const missing = (error.params as { missingProperty?: string }).missingProperty ?? '';
      return {
        index,
        code: 'VTG_INGEST_INVALID_SAMPLE',
        field: `${field}.${missing}`,
        message: `"${missing}" is required`,
      };
    }
    if (error.keyword === 'additionalProperties') {
      const extra = (error.params as { additionalProperty?: string }).additionalProperty ?? '';
      return {
        index,
        code: 'VTG_INGEST_INVALID_SAMPLE',
        field: `${field}.${extra}`,
        message: `unknown field "${extra}"`,
      };
    }
    const what = propertyName !== undefined ? `tag key "${propertyName}"` : field;
    return {
      index,
      code: 'VTG_INGEST_INVALID_SAMPLE',
      field,
      message: `${what} ${error.message ?? 'is invalid'}`,
    };
  }
}

function reject(
  index: number,
  code: ErrorCode,
  field: string,
  params: Record<string, string | number> = {},
  hint = '',
): Rejection {
  return withField(index, code, `metrics[${index}].${field}`, params, hint);
}

function withField(
  index: number,
  code: ErrorCode,
  field: string,
  params: Record<string, string | number>,
  hint = '',
): Rejection {
  return { index, code, field, message: new VantageError(code, { params }).message + hint };
}
