import type { ReactNode } from 'react';
import { useLocation, useSetParams } from '../app/router';
import { apiGet } from '../api/client';
import type { AlertHistoryResponse, AlertsResponse, NotificationsResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { TABS, historyQuery, viewFromParams, viewToParams, type AlertsTab } from '../alerts/alerts-view';
import { DataTable } from '../components/DataTable';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { formatTime } from '../time/format';
import { describeRange, rangeFromParams } from '../time/range';
import { RuleEditor } from './alerts/RuleEditor';
import { SilencesPanel } from './alerts/SilencesPanel';
import '../styles/alerts.css';

/** What fires and is pending now is read again this often. */
const REFRESH_MS = 10_000;

const TAB_LABEL: Record<AlertsTab, string> = {
  now: 'Firing and pending',
  history: 'History',
  silences: 'Silences',
  notifications: 'Failed notifications',
  rules: 'Rule editor',
};

const labelText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');

/**
 * Alerts: what fires and is pending now, the history of state changes with filters, silences,
 * the notifications that failed, and a rule editor that previews a group against the data now.
 * The view is in the URL: `/alerts?tab=history&rule=CheckoutSlow&state=firing&from=-24h`.
 */
export default function AlertsPage(): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const view = viewFromParams(params);
  const range = rangeFromParams(params);

  let body: ReactNode;
  if (view.tab === 'now') body = <ActiveAlerts />;
  else if (view.tab === 'history')
    body = (
      <>
        <div className="toolbar">
          <TimeRangePicker range={range} onChange={(r) => setParams({ from: r.from, to: r.to }, true)} />
        </div>
        <HistoryFilters
          key={params.toString()}
          rule={view.rule}
          state={view.state}
          onChange={(rule, state) => setParams(viewToParams({ rule, state }), true)}
        />
        <History query={JSON.stringify(historyQuery(view, range))} />
      </>
    );
  else if (view.tab === 'silences') body = <SilencesPanel />;
  else if (view.tab === 'notifications') body = <FailedNotifications />;
  else
    body = <RuleEditor key={view.group} group={view.group} onGroup={(group) => setParams({ group }, true)} />;

  return (
    <section className="page" aria-labelledby="alerts-title">
      <div className="page-head">
        <h1 id="alerts-title">Alerts</h1>
        {view.tab === 'history' ? <p className="muted">{describeRange(range)}</p> : null}
      </div>
      <div className="segmented alerts-tabs" role="tablist" aria-label="Alerts views">
        {TABS.map((t) => (
          <button
            key={t}
            type="button"
            role="tab"
            aria-selected={view.tab === t}
            data-testid={`alerts-tab-${t}`}
            onClick={() => setParams({ ...viewToParams({ tab: t }), group: undefined }, true)}
          >
            {TAB_LABEL[t]}
          </button>
        ))}
      </div>
      {body}
    </section>
  );
}

function ActiveAlerts(): ReactNode {
  const setParams = useSetParams();
  const found = useApi('alerts', (s) => apiGet<AlertsResponse>('/v1/alerts', {}, s), REFRESH_MS);
  const alerts = found.state.data?.alerts;
  if (found.state.status === 'error' && !alerts)
    return <ErrorBox title="Could not read the alerts" error={found.state.error} onRetry={found.reload} />;
  if (!alerts) return <Loading />;
  if (alerts.length === 0)
    return (
      <Empty>
        <h2>Nothing fires</h2>
        <p>No alert is pending or firing now.</p>
      </Empty>
    );
  return (
    <>
      <p className="muted small" data-testid="alerts-count">
        {alerts.filter((a) => a.state === 'firing').length} firing,{' '}
        {alerts.filter((a) => a.state === 'pending').length} pending
        {found.state.data && found.state.data.total > alerts.length ? ` (of ${found.state.data.total})` : ''}
      </p>
      <DataTable
        testId="alerts-table"
        columns={['State', 'Alert', 'Labels', 'Value', 'Since', 'Summary', '']}
        timeColumn={4}
        rows={alerts.map((a) => [
          a.state,
          a.rule,
          labelText(a.labels),
          a.value,
          a.since,
          a.annotations.summary ?? '',
          '',
        ])}
        cell={(r, c) => {
          const a = alerts[r];
          if (!a) return undefined;
          if (c === 0) return <span className={`alert-state alert-state-${a.state}`}>{a.state}</span>;
          if (c === 6)
            return (
              <button
                type="button"
                className="small"
                onClick={() =>
                  setParams({
                    tab: 'silences',
                    matchers: Object.entries(a.labels)
                      .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
                      .join(', '),
                  })
                }
              >
                Silence…
              </button>
            );
          return undefined;
        }}
      />
    </>
  );
}

function HistoryFilters({
  rule,
  state,
  onChange,
}: {
  rule: string;
  state: string;
  onChange: (rule: string, state: '' | 'pending' | 'firing' | 'resolved') => void;
}): ReactNode {
  return (
    <form
      className="trace-search"
      aria-label="Filter the history"
      onSubmit={(e) => {
        e.preventDefault();
        const form = new FormData(e.currentTarget);
        const s = String(form.get('state') ?? '');
        onChange(
          String(form.get('rule') ?? '').trim(),
          s === 'pending' || s === 'firing' || s === 'resolved' ? s : '',
        );
      }}
    >
      <label className="field">
        Rule
        <input name="rule" aria-label="Rule" defaultValue={rule} placeholder="any" />
      </label>
      <label className="field">
        State
        <select name="state" aria-label="State" defaultValue={state}>
          <option value="">any</option>
          <option value="pending">pending</option>
          <option value="firing">firing</option>
          <option value="resolved">resolved</option>
        </select>
      </label>
      <button type="submit">Filter</button>
    </form>
  );
}

function History({ query }: { query: string }): ReactNode {
  const found = useApi(query, (s) =>
    apiGet<AlertHistoryResponse>('/v1/alerts/history', JSON.parse(query) as Record<string, string>, s),
  );
  const entries = found.state.data?.entries;
  if (found.state.status === 'error' && !entries)
    return <ErrorBox title="Could not read the history" error={found.state.error} onRetry={found.reload} />;
  if (!entries) return <Loading />;
  if (entries.length === 0)
    return (
      <Empty>
        <h2>No changes</h2>
        <p>No alert changed state in this range with these filters.</p>
      </Empty>
    );
  return (
    <DataTable
      testId="history-table"
      columns={['Time', 'State', 'Alert', 'Group', 'Labels', 'Value']}
      timeColumn={0}
      rows={entries.map((e) => [e.at, e.state, e.rule, e.group, labelText(e.labels), e.value])}
      cell={(r, c) => {
        const e = entries[r];
        if (c === 1 && e) return <span className={`alert-state alert-state-${e.state}`}>{e.state}</span>;
        return undefined;
      }}
    />
  );
}

function FailedNotifications(): ReactNode {
  const found = useApi('notifications-failed', (s) =>
    apiGet<NotificationsResponse>('/v1/notifications', { state: 'failed', limit: 1000 }, s),
  );
  const list = found.state.data?.notifications;
  if (found.state.status === 'error' && !list)
    return (
      <ErrorBox title="Could not read the notifications" error={found.state.error} onRetry={found.reload} />
    );
  if (!list) return <Loading />;
  if (list.length === 0)
    return (
      <Empty>
        <h2>No failed notifications</h2>
        <p>Every notification recorded reached its notifier.</p>
      </Empty>
    );
  return (
    <DataTable
      testId="notifications-table"
      columns={['Time', 'Notifier', 'Channel', 'Status', 'Alerts', 'Attempts', 'Error']}
      timeColumn={0}
      rows={list.map((n) => [
        n.at,
        n.notifier,
        n.channel,
        n.status,
        n.alerts,
        n.attempts,
        `${n.code ?? ''} ${n.error ?? ''}`.trim(),
      ])}
      cell={(r, c) => (c === 0 && list[r] ? formatTime(list[r].at, true) : undefined)}
    />
  );
}
