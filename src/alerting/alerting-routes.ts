import type { FastifyPluginAsync } from 'fastify';
import { Type } from '@sinclair/typebox';
import { formatDuration, parseTimePoint, VantageError } from '../core/index.js';
import type {
  ActiveAlertItem,
  AlertHistoryResponse,
  AlertsResponse,
  RulePreviewResponse,
} from '../core/index.js';
import type { AlertState } from './alert.js';
import type { ActiveAlert } from './alert-state-machine.js';
import type { AlertStateStore } from './alert-state-store.js';
import type { RuleGroup } from './rule.js';
import type { Ruler } from './ruler.js';
import { formatProblem } from './rules-file.js';
import { RULE_LIMITS } from './rules-limits.js';
import type { LocatedProblem } from './rules-file.js';

export interface AlertingRouteOptions {
  readonly ruler: Ruler;
  readonly state: AlertStateStore;
  /** The rules directory's refused files, shown beside the groups. */
  readonly fileProblems?: () => readonly LocatedProblem[];
  readonly clock?: () => number;
}

const HISTORY_DEFAULT_MS = 86_400_000;
const HISTORY_MAX_ROWS = 10_000;
const ALERTS_MAX_ROWS = 10_000;
const groupParams = Type.Object({ group: Type.String({ minLength: 1, maxLength: 128 }) });
const labelMap = Type.Record(Type.String(), Type.String());
const alertSchema = Type.Object({
  rule: Type.String(),
  group: Type.String(),
  fingerprint: Type.String(),
  state: Type.String(),
  labels: labelMap,
  annotations: labelMap,
  value: Type.Union([Type.Number(), Type.Null()]),
  since: Type.Number({ description: 'epoch ms: first met the condition' }),
  firedAt: Type.Optional(Type.Number()),
});

/**
 * The rules API (`/v1/rules`, `/v1/rules/{group}`) and the alerts API (`/v1/alerts`,
 * `/v1/alerts/history`), on the query API and behind its key check. Groups of the rules directory
 * are read-only here.
 */
export const alertingRoutes: FastifyPluginAsync<AlertingRouteOptions> = async (app, options) => {
  const { ruler, state } = options;
  const clock = options.clock ?? Date.now;

  app.get(
    '/v1/rules',
    { schema: { summary: 'Rule groups in force, with each rule’s last evaluation' } },
    async () => ({
      groups: ruler.rules.all().map((g) => describeGroup(g, ruler)),
      refused: (options.fileProblems?.() ?? []).map((p) => ({ ...p, message: formatProblem(p) })),
    }),
  );

  app.get<{ Params: { group: string } }>(
    '/v1/rules/:group',
    { schema: { summary: 'One rule group', params: groupParams } },
    async (request) => describeGroup(findGroup(ruler, request.params.group), ruler),
  );

  app.put<{ Params: { group: string }; Body: unknown }>(
    '/v1/rules/:group',
    {
      schema: {
        summary: 'Create or replace a rule group (the rules file format of one group, as JSON)',
        description: 'Checked as a rules file is (docs/alerting.md); refused whole with VTG_RULES_INVALID.',
        params: groupParams,
        body: Type.Object({}, { additionalProperties: true }),
      },
    },
    async (request) => describeGroup(await ruler.putApiGroup(request.params.group, request.body), ruler),
  );

  app.post<{ Body: { yaml: string } }>(
    '/v1/rules/preview',
    {
      schema: {
        summary: 'Check a rule group and run its rules once against the data now, storing nothing',
        description:
          'The group as YAML (or JSON) text, checked as PUT /v1/rules/{group} checks its body. ' +
          'Problems come back located (line in the text, field in the group), not as an error.',
        body: Type.Object(
          { yaml: Type.String({ maxLength: RULE_LIMITS.fileBytes }) },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            valid: Type.Boolean(),
            problems: Type.Array(
              Type.Object({
                line: Type.Optional(Type.Integer()),
                field: Type.String(),
                reason: Type.String(),
              }),
            ),
            rules: Type.Array(
              Type.Object({
                alert: Type.String(),
                kind: Type.String(),
                condition: Type.Optional(Type.String()),
                rows: Type.Array(
                  Type.Object({
                    labels: labelMap,
                    value: Type.Union([Type.Number(), Type.Null()]),
                    meets: Type.Boolean(),
                  }),
                ),
                meeting: Type.Integer({ description: 'rows that meet the condition now' }),
                error: Type.Optional(Type.Object({ code: Type.String(), message: Type.String() })),
              }),
            ),
          }),
        },
      },
    },
    async (request): Promise<RulePreviewResponse> => {
      const { group, problems, rules } = await ruler.preview(request.body.yaml);
      return {
        valid: problems.length === 0,
        problems: problems.map((p) => ({
          ...(p.line === undefined ? {} : { line: p.line }),
          field: p.field,
          reason: p.reason,
        })),
        rules: rules.map((r) => {
          const rule = group?.rules.find((x) => x.alert === r.alert);
          return {
            ...r,
            rows: [...r.rows],
            ...(rule?.kind === 'threshold'
              ? { condition: `${rule.condition.op} ${rule.condition.threshold}` }
              : {}),
          };
        }),
      };
    },
  );

  app.delete<{ Params: { group: string } }>(
    '/v1/rules/:group',
    { schema: { summary: 'Delete a rule group put through the API', params: groupParams } },
    async (request, reply) => {
      await ruler.deleteApiGroup(request.params.group);
      return reply.code(204).send();
    },
  );

  app.get<{ Querystring: { limit?: number } }>(
    '/v1/alerts',
    {
      schema: {
        summary: 'Alerts pending and firing now, oldest first',
        querystring: Type.Object(
          {
            limit: Type.Optional(
              Type.Integer({ minimum: 1, maximum: ALERTS_MAX_ROWS, default: ALERTS_MAX_ROWS }),
            ),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Object({
            alerts: Type.Array(alertSchema),
            total: Type.Integer({
              description: 'pending and firing alerts in all; more than listed when cut at limit',
            }),
          }),
        },
      },
    },
    async (request): Promise<AlertsResponse> => {
      const active = await state.activeAlerts();
      return {
        alerts: active.slice(0, request.query.limit ?? ALERTS_MAX_ROWS).map(describeAlert),
        total: active.length,
      };
    },
  );

  app.get<{ Querystring: { from?: string; to?: string; rule?: string; state?: AlertState; limit?: number } }>(
    '/v1/alerts/history',
    {
      schema: {
        summary: 'Alert state changes (pending, firing, resolved), newest first',
        querystring: Type.Object(
          {
            from: Type.Optional(Type.String({ description: 'epoch ms, RFC 3339 or now-24h (default)' })),
            to: Type.Optional(Type.String({ description: 'epoch ms, RFC 3339 or now (default)' })),
            rule: Type.Optional(Type.String({ maxLength: 128 })),
            state: Type.Optional(
              Type.Union([Type.Literal('pending'), Type.Literal('firing'), Type.Literal('resolved')]),
            ),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: HISTORY_MAX_ROWS, default: 1000 })),
          },
          { additionalProperties: false },
        ),
      },
    },
    async (request): Promise<AlertHistoryResponse> => {
      const now = clock();
      const q = request.query;
      const to = time(q.to, now, 'to') ?? now;
      const from = time(q.from, now, 'from') ?? to - HISTORY_DEFAULT_MS;
      if (from >= to)
        throw new VantageError('VTG_QUERY_INVALID_RANGE', {
          params: { reason: 'from must be before to' },
          field: 'from',
        });
      const entries = await state.history({
        from,
        to,
        limit: q.limit ?? 1000,
        ...(q.rule === undefined ? {} : { rule: q.rule }),
        ...(q.state === undefined ? {} : { state: q.state }),
      });
      return { from, to, entries };
    },
  );
};

function time(text: string | undefined, now: number, field: string): number | undefined {
  if (text === undefined) return undefined;
  const t = parseTimePoint(text, now);
  if (t === undefined) throw new VantageError('VTG_QUERY_INVALID_TIME', { params: { value: text }, field });
  return t;
}

function findGroup(ruler: Ruler, name: string): RuleGroup {
  const group = ruler.rules.get(name);
  if (!group) throw new VantageError('VTG_RULES_GROUP_NOT_FOUND', { params: { group: name } });
  return group;
}

function describeGroup(g: RuleGroup, ruler: Ruler): Record<string, unknown> {
  return {
    name: g.name,
    interval: formatDuration(g.intervalMs),
    source: g.source,
    rules: g.rules.map((r) => ({
      alert: r.alert,
      kind: r.kind,
      vql: r.vql,
      ...(r.kind === 'threshold'
        ? { condition: `${r.condition.op} ${r.condition.threshold}` }
        : { no_data: true }),
      for: formatDuration(r.forMs),
      keep_firing_for: formatDuration(r.keepFiringForMs),
      labels: r.labels,
      annotations: r.annotations,
      health: ruler.ruleHealth(g.name, r.alert) ?? null,
    })),
  };
}

function describeAlert(a: ActiveAlert): ActiveAlertItem {
  return {
    rule: a.rule,
    group: a.group,
    fingerprint: a.fingerprint,
    state: a.state,
    labels: a.labels,
    annotations: a.annotations,
    value: Number.isFinite(a.value) ? a.value : null,
    since: a.activeAt,
    ...(a.firedAt === undefined ? {} : { firedAt: a.firedAt }),
  };
}
