import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import type { Static } from '@sinclair/typebox';
import { VantageError, parseTimePoint } from '../../core/index.js';
import { notifierConfigSchema } from '../alert.js';
import { MATCHER_OPS } from './matchers.js';
import type { NotificationService } from './notification-service.js';
import { silenceState } from './silence.js';
import type { Silence } from './silence.js';

const MAX_PAGE = 1_000;

const MatcherSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 128 }),
    op: Type.Union(
      MATCHER_OPS.map((op) => Type.Literal(op)),
      { description: '=, !=, =~ or !~ (regular expressions anchored at both ends)' },
    ),
    value: Type.String({ maxLength: 1024 }),
  },
  { additionalProperties: false },
);
const TimePoint = Type.Union([Type.Integer({ minimum: 0 }), Type.String({ minLength: 1, maxLength: 64 })], {
  description: 'Epoch ms, RFC 3339, or relative to now (`now+2h`)',
});
const NewSilenceBody = Type.Object(
  {
    matchers: Type.Array(MatcherSchema, { minItems: 1, maxItems: 32 }),
    startsAt: Type.Optional(TimePoint),
    endsAt: TimePoint,
    createdBy: Type.Optional(Type.String({ maxLength: 256 })),
    comment: Type.Optional(Type.String({ maxLength: 4096 })),
  },
  { additionalProperties: false },
);
const SilenceView = Type.Object({
  id: Type.String(),
  matchers: Type.Array(MatcherSchema),
  startsAt: Type.Number({ description: 'Epoch ms' }),
  endsAt: Type.Number({ description: 'Epoch ms' }),
  createdBy: Type.String(),
  comment: Type.String(),
  createdAt: Type.Number(),
  state: Type.Union([Type.Literal('pending'), Type.Literal('active'), Type.Literal('expired')]),
});
const NotificationView = Type.Object({
  id: Type.String(),
  at: Type.Number({ description: 'When the outcome was final, epoch ms' }),
  notifier: Type.String(),
  channel: Type.String(),
  groupKey: Type.String(),
  status: Type.Union([Type.Literal('firing'), Type.Literal('resolved')]),
  alerts: Type.Integer(),
  state: Type.Union([Type.Literal('sent'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  error: Type.Optional(Type.String()),
  code: Type.Optional(Type.String()),
});
const NotificationsQuery = Type.Object({
  state: Type.Optional(Type.Union([Type.Literal('sent'), Type.Literal('failed')])),
  notifier: Type.Optional(Type.String({ maxLength: 256 })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 100 })),
});
const NotifierView = Type.Object({
  source: Type.Union([Type.Literal('file'), Type.Literal('api'), Type.Literal('settings')]),
  config: Type.Record(Type.String(), Type.Unknown(), {
    description: 'As in a rules file\u2019s `notifiers:`; secrets shown as ***',
  }),
});
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

/**
 * Silences (`/v1/silences`), the record of notifications (`/v1/notifications`) and notifiers
 * (`/v1/notifiers`): the query API registers this plugin when notifications are on.
 */
export const notificationRoutes: FastifyPluginAsync<{ notifications: NotificationService }> = async (
  app,
  { notifications },
) => {
  const view = (s: Silence): Static<typeof SilenceView> => ({
    ...s,
    matchers: [...s.matchers],
    state: silenceState(s, notifications.now()),
  });

  app.get(
    '/v1/silences',
    {
      schema: {
        summary: 'Silences, newest first (expired ones for 5 days)',
        response: { 200: Type.Object({ silences: Type.Array(SilenceView) }) },
      },
    },
    async () => ({ silences: notifications.silences.list().map(view) }),
  );

  app.post<{ Body: Static<typeof NewSilenceBody> }>(
    '/v1/silences',
    {
      schema: {
        summary: 'Silence the alerts whose labels meet every matcher, until endsAt',
        body: NewSilenceBody,
        response: { 201: Type.Object({ silence: SilenceView }) },
      },
    },
    async (request, reply) => {
      const now = notifications.now();
      const body = request.body;
      const silence = await notifications.silences.create(
        {
          matchers: body.matchers,
          ...(body.startsAt !== undefined ? { startsAt: timePoint(body.startsAt, now, 'startsAt') } : {}),
          endsAt: timePoint(body.endsAt, now, 'endsAt'),
          ...(body.createdBy !== undefined ? { createdBy: body.createdBy } : {}),
          ...(body.comment !== undefined ? { comment: body.comment } : {}),
        },
        now,
      );
      return reply.code(201).send({ silence: view(silence) });
    },
  );

  app.delete<{ Params: Static<typeof IdParams> }>(
    '/v1/silences/:id',
    {
      schema: {
        summary: 'Expire a silence now',
        params: IdParams,
        response: { 200: Type.Object({ silence: SilenceView }) },
      },
    },
    async (request) => ({
      silence: view(await notifications.silences.expire(request.params.id, notifications.now())),
    }),
  );

  app.get<{ Querystring: Static<typeof NotificationsQuery> }>(
    '/v1/notifications',
    {
      schema: {
        summary: 'Notifications sent and failed, newest first (the newest 10,000 are kept)',
        querystring: NotificationsQuery,
        response: { 200: Type.Object({ notifications: Type.Array(NotificationView) }) },
      },
    },
    async (request) => ({
      notifications: await notifications.notifications({
        limit: request.query.limit ?? 100,
        ...(request.query.state !== undefined ? { state: request.query.state } : {}),
        ...(request.query.notifier !== undefined ? { notifier: request.query.notifier } : {}),
      }),
    }),
  );

  app.get(
    '/v1/notifiers',
    {
      schema: {
        summary: 'Notifiers from rules files, the API and --alertmanager-url; secrets redacted',
        response: { 200: Type.Object({ notifiers: Type.Array(NotifierView) }) },
      },
    },
    async () => ({ notifiers: notifications.notifiers() }),
  );

  app.get<{ Params: Static<typeof NameParams> }>(
    '/v1/notifiers/:name',
    {
      schema: {
        summary: 'One notifier; secrets redacted',
        params: NameParams,
        response: { 200: NotifierView },
      },
    },
    async (request) => notifications.notifier(request.params.name),
  );

  app.put<{ Params: Static<typeof NameParams>; Body: Record<string, unknown> }>(
    '/v1/notifiers/:name',
    {
      schema: {
        summary: 'Add or replace a notifier (the body as in a rules file\u2019s notifiers:, name optional)',
        params: NameParams,
        body: Type.Object({}, { additionalProperties: true }),
        response: { 200: NotifierView, 201: NotifierView },
      },
    },
    async (request, reply) => {
      const { name } = request.params;
      if (request.body['name'] !== undefined && request.body['name'] !== name)
        throw new VantageError('VTG_NOTIFY_NOTIFIER_INVALID', {
          params: {
            reason: `the body's name ${JSON.stringify(request.body['name'])} is not the path's ${name}`,
          },
          field: 'name',
        });
      const parsed = notifierConfigSchema.safeParse({ ...request.body, name });
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const field = issue?.path.join('.') ?? '';
        throw new VantageError('VTG_NOTIFY_NOTIFIER_INVALID', {
          params: { reason: `${field ? `${field}: ` : ''}${issue?.message ?? 'invalid'}` },
          ...(field ? { field } : {}),
        });
      }
      const created = await notifications.putNotifier(parsed.data);
      return reply.code(created ? 201 : 200).send(notifications.notifier(name));
    },
  );

  app.delete<{ Params: Static<typeof NameParams> }>(
    '/v1/notifiers/:name',
    { schema: { summary: 'Delete a notifier added through the API', params: NameParams } },
    async (request, reply) => {
      await notifications.deleteNotifier(request.params.name);
      return reply.code(204).send();
    },
  );
};

function timePoint(value: number | string, now: number, field: string): number {
  const ms = typeof value === 'number' ? value : parseTimePoint(value, now);
  if (ms === undefined)
    throw new VantageError('VTG_NOTIFY_SILENCE_INVALID', {
      params: { reason: `${field} is not epoch ms, RFC 3339 or relative to now (now+2h)` },
      field,
    });
  return ms;
}
