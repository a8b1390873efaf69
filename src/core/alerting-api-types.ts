/**
 * Request and response bodies of the alerting API (docs/alerting.md), shared with the dashboard.
 * The routes' TypeBox schemas (src/alerting/alerting-routes.ts, notify/notify-routes.ts) are what
 * the server holds itself to; these are the same shapes as TypeScript, for the dashboard's reading.
 */

export type AlertStateName = 'pending' | 'firing' | 'resolved';

/** `GET /v1/alerts`: one alert pending or firing now. */
export interface ActiveAlertItem {
  rule: string;
  group: string;
  fingerprint: string;
  state: 'pending' | 'firing';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** null for a no-data alert. */
  value: number | null;
  /** Epoch ms: first met the condition. */
  since: number;
  firedAt?: number;
}

export interface AlertsResponse {
  alerts: ActiveAlertItem[];
  total: number;
}

/** `GET /v1/alerts/history?from=&to=&rule=&state=&limit=`, newest first. */
export interface AlertHistoryQuery {
  from?: string;
  to?: string;
  rule?: string;
  state?: AlertStateName;
  limit?: number;
}

export interface AlertHistoryEntry {
  /** Epoch ms. */
  at: number;
  state: AlertStateName;
  rule: string;
  group: string;
  fingerprint: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  value: number | null;
}

export interface AlertHistoryResponse {
  from: number;
  to: number;
  entries: AlertHistoryEntry[];
}

export type MatcherOp = '=' | '!=' | '=~' | '!~';

export interface SilenceMatcher {
  name: string;
  op: MatcherOp;
  value: string;
}

/** `POST /v1/silences`. Times: epoch ms, RFC 3339, or relative to now (`now+2h`). */
export interface NewSilenceRequest {
  matchers: SilenceMatcher[];
  startsAt?: number | string;
  endsAt: number | string;
  createdBy?: string;
  comment?: string;
}

export interface SilenceItem {
  id: string;
  matchers: SilenceMatcher[];
  startsAt: number;
  endsAt: number;
  createdBy: string;
  comment: string;
  createdAt: number;
  state: 'pending' | 'active' | 'expired';
}

export interface SilencesResponse {
  silences: SilenceItem[];
}

/** `GET /v1/notifications?state=&notifier=&limit=`, newest first. */
export interface NotificationItem {
  id: string;
  at: number;
  notifier: string;
  channel: string;
  groupKey: string;
  status: 'firing' | 'resolved';
  alerts: number;
  state: 'sent' | 'failed';
  attempts: number;
  error?: string;
  code?: string;
}

export interface NotificationsResponse {
  notifications: NotificationItem[];
}

/** One rule of `GET /v1/rules` (a group's `rules`). */
export interface RuleItem {
  alert: string;
  kind: 'threshold' | 'no_data';
  vql: string;
  condition?: string;
  no_data?: true;
  for: string;
  keep_firing_for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  health: {
    lastEvaluation: number;
    durationMs: number;
    rows: number;
    error?: { code: string; message: string };
  } | null;
}

export interface RuleGroupItem {
  name: string;
  interval: string;
  source: { kind: 'file'; file: string } | { kind: 'api' };
  rules: RuleItem[];
}

export interface RulesResponse {
  groups: RuleGroupItem[];
  refused: { file: string; line?: number; field: string; reason: string; message: string }[];
}

/** `POST /v1/rules/preview`: one group as YAML (or JSON) text. */
export interface RulePreviewRequest {
  yaml: string;
}

export interface RulePreviewRule {
  alert: string;
  kind: 'threshold' | 'no_data';
  condition?: string;
  rows: { labels: Record<string, string>; value: number | null; meets: boolean }[];
  /** Rows that meet the condition now. */
  meeting: number;
  error?: { code: string; message: string };
}

export interface RulePreviewResponse {
  valid: boolean;
  /** What PUT /v1/rules/{group} would refuse the text for, each at its line and field. */
  problems: { line?: number; field: string; reason: string }[];
  rules: RulePreviewRule[];
}
