import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { METRIC_LIMITS, VantageError } from '../../core/index.js';
import type { StreamClientMessage, StreamSubscribe, StreamUnsubscribe } from '../../core/index.js';

/** Most tag filters in one subscription: the collector's default limit of tags on one metric. */
export const MAX_TAG_FILTERS = METRIC_LIMITS.maxTags;

const id = Type.String({ minLength: 1, maxLength: 128 });

const SubscribeSchema = Type.Object(
  {
    type: Type.Literal('subscribe'),
    id,
    service: Type.Optional(Type.String({ minLength: 1, maxLength: METRIC_LIMITS.serviceMaxLength })),
    metric: Type.Optional(Type.String({ minLength: 1, maxLength: METRIC_LIMITS.nameMaxLength })),
    tags: Type.Optional(
      Type.Record(Type.String(), Type.String({ maxLength: METRIC_LIMITS.tagValueMaxLength }), {
        maxProperties: MAX_TAG_FILTERS,
        propertyNames: { minLength: 1, maxLength: METRIC_LIMITS.tagKeyMaxLength },
      }),
    ),
  },
  { additionalProperties: false },
);

const UnsubscribeSchema = Type.Object(
  { type: Type.Literal('unsubscribe'), id },
  { additionalProperties: false },
);

const ajv = new Ajv({ allErrors: false, strict: false });
const validators: Record<StreamClientMessage['type'], ValidateFunction> = {
  subscribe: ajv.compile<StreamSubscribe>(SubscribeSchema),
  unsubscribe: ajv.compile<StreamUnsubscribe>(UnsubscribeSchema),
};

export type ParsedClientMessage =
  | { readonly ok: true; readonly message: StreamClientMessage }
  /** `id` is the subscription the message named, when it named one, for the error reply. */
  | { readonly ok: false; readonly error: VantageError; readonly id?: string };

/** Reads one text frame from a client: JSON, a known `type`, and that type's schema. */
export function parseClientMessage(text: string): ParsedClientMessage {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return refuse('The message is not JSON', undefined);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return refuse('The message must be a JSON object with a "type"', undefined);
  const body = value as Record<string, unknown>;
  const named = typeof body.id === 'string' ? body.id : undefined;
  const type = body.type;
  if (type !== 'subscribe' && type !== 'unsubscribe') {
    return refuse('"type" must be "subscribe" or "unsubscribe"', 'type', named);
  }
  const validate = validators[type];
  if (!validate(value)) {
    const first = validate.errors?.[0];
    const field = first ? fieldOf(first) : undefined;
    const reason = first ? `${field ?? 'the message'} ${first.message ?? 'is invalid'}` : 'invalid message';
    return refuse(reason, field, named);
  }
  return { ok: true, message: value as StreamClientMessage };
}

function refuse(reason: string, field: string | undefined, id?: string): ParsedClientMessage {
  const error = new VantageError('VTG_STREAM_INVALID_MESSAGE', {
    params: { reason },
    ...(field !== undefined ? { field } : {}),
  });
  return id === undefined ? { ok: false, error } : { ok: false, error, id };
}

/** `/tags/route` -> `tags.route`; a missing or unknown property names itself. */
function fieldOf(error: ErrorObject): string | undefined {
  const path = error.instancePath.split('/').filter(Boolean).join('.');
  const params = error.params as {
    missingProperty?: string;
    additionalProperty?: string;
    propertyName?: string;
  };
  const child = params.missingProperty ?? params.additionalProperty ?? params.propertyName;
  if (child !== undefined) return path === '' ? child : `${path}.${child}`;
  return path === '' ? undefined : path;
}
