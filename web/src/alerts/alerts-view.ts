import type {
  AlertHistoryEntry,
  AlertHistoryQuery,
  AlertStateName,
  MatcherOp,
  RulePreviewResponse,
  SilenceMatcher,
} from '../api/types';
import type { TimeRange } from '../time/range';

/**
 * The Alerts view's state as it sits in the URL (`/alerts?tab=history&rule=CheckoutSlow&
 * state=firing&from=-6h`, `/alerts?tab=rules&group=checkout`), and the pure logic of its forms:
 * silence matchers as typed, the rule preview's summary, and the markers alerts leave on charts.
 */
export const TABS = ['now', 'history', 'silences', 'notifications', 'rules'] as const;
export type AlertsTab = (typeof TABS)[number];

export interface AlertsViewState {
  readonly tab: AlertsTab;
  /** History filters. */
  readonly rule: string;
  readonly state: '' | AlertStateName;
  /** The rule group open in the editor; '' for a new one. */
  readonly group: string;
}

const STATES: readonly AlertStateName[] = ['pending', 'firing', 'resolved'];

export function viewFromParams(params: URLSearchParams): AlertsViewState {
  const tab = params.get('tab') ?? '';
  const state = params.get('state') ?? '';
  return {
    tab: (TABS as readonly string[]).includes(tab) ? (tab as AlertsTab) : 'now',
    rule: params.get('rule') ?? '',
    state: (STATES as readonly string[]).includes(state) ? (state as AlertStateName) : '',
    group: params.get('group') ?? '',
  };
}

/** URL parameters for some of the view's state; defaults are left out (undefined removes). */
export function viewToParams(view: Partial<AlertsViewState>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  if ('tab' in view) out.tab = view.tab === 'now' ? undefined : view.tab;
  if ('rule' in view) out.rule = view.rule || undefined;
  if ('state' in view) out.state = view.state || undefined;
  if ('group' in view) out.group = view.group || undefined;
  return out;
}

/** GET /v1/alerts/history's parameters for the view's filters and time range. */
export function historyQuery(view: AlertsViewState, range: TimeRange, limit = 1000): AlertHistoryQuery {
  return {
    from: range.from,
    to: range.to,
    ...(view.rule ? { rule: view.rule } : {}),
    ...(view.state ? { state: view.state } : {}),
    limit,
  };
}

/**
 * Matchers as typed in the silence form, Alertmanager's way: `service="checkout", severity=~"crit.*"`
 * (commas or spaces between them; quotes optional when the value has no space or comma).
 * Each piece that is not a matcher is reported, not dropped: the silence is not sent until fixed.
 */
export function parseMatchers(text: string): { matchers: SilenceMatcher[]; problems: string[] } {
  const matchers: SilenceMatcher[] = [];
  const problems: string[] = [];
  const piece = /\s*([A-Za-z_][A-Za-z0-9_.]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^\s,"]*)\s*,?/y;
  let at = 0;
  const rest = text.trim();
  while (at < rest.length) {
    piece.lastIndex = at;
    const m = piece.exec(rest);
    if (!m || m[0].length === 0) {
      const bad =
        rest
          .slice(at)
          .trimStart()
          .split(/[\s,]+/)[0] ?? '';
      problems.push(`"${bad}" is not a matcher such as service="checkout"`);
      break;
    }
    const raw = m[3] as string;
    const value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    matchers.push({ name: m[1] as string, op: m[2] as MatcherOp, value });
    at = piece.lastIndex;
  }
  if (matchers.length === 0 && problems.length === 0) problems.push('at least one matcher');
  return { matchers, problems };
}

/** Matchers as the form shows them again: `service="checkout", severity=~"crit.*"`. */
export function formatMatchers(matchers: readonly SilenceMatcher[]): string {
  return matchers.map((m) => `${m.name}${m.op}${JSON.stringify(m.value)}`).join(', ');
}

/** Matchers for silencing one alert: every label, by equality. */
export function matchersOfLabels(labels: Readonly<Record<string, string>>): SilenceMatcher[] {
  return Object.entries(labels).map(([name, value]) => ({ name, op: '=', value }));
}

/**
 * The rule preview in a sentence per rule: "would fire now for 3 of 12 groups" (before `for`: the
 * groups that meet the condition now), or why it cannot say.
 */
export function previewSummary(preview: RulePreviewResponse): { alert: string; text: string }[] {
  if (!preview.valid)
    return [
      {
        alert: '',
        text: `Not valid: ${preview.problems.length} problem${preview.problems.length === 1 ? '' : 's'}`,
      },
    ];
  return preview.rules.map((r) => {
    if (r.error) return { alert: r.alert, text: `could not run: ${r.error.code} ${r.error.message}` };
    const of = r.rows.length;
    const groups = `${of} group${of === 1 ? '' : 's'}`;
    if (r.kind === 'no_data')
      return {
        alert: r.alert,
        text:
          r.meeting === 0
            ? `no silent group among ${groups}`
            : `would fire now for ${r.meeting} silent of ${groups}`,
      };
    if (of === 0) return { alert: r.alert, text: 'the query returns no groups now' };
    return {
      alert: r.alert,
      text:
        r.meeting === 0
          ? `would not fire now (0 of ${groups})`
          : `would fire now for ${r.meeting} of ${groups}`,
    };
  });
}

/** A firing or resolved time drawn on a chart. */
export interface AlertMarker {
  readonly time: number;
  readonly state: 'firing' | 'resolved';
  /** What the marker says on hover. */
  readonly title: string;
}

/**
 * The markers a service's charts get from the alert history: the firing and resolved changes of
 * alerts labelled with the service (`service_name` or `service`), oldest first. Pending changes
 * are left out: they are not incidents.
 */
export function serviceAlertMarkers(entries: readonly AlertHistoryEntry[], service: string): AlertMarker[] {
  return entries
    .filter(
      (e) =>
        (e.state === 'firing' || e.state === 'resolved') &&
        (e.labels.service_name === service || e.labels.service === service),
    )
    .map((e) => ({
      time: e.at,
      state: e.state as 'firing' | 'resolved',
      title: `${e.rule} ${e.state}${e.value === null ? '' : ` at ${e.value}`}`,
    }))
    .sort((a, b) => a.time - b.time);
}
