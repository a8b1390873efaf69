import type { ReactNode } from 'react';
import { apiGetPages, apiPost } from '../api/client';
import type { HealthScoresResponse, ServiceHealth, ServicesResponse, VqlResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { Sparkline } from '../charts/Sparkline';
import { Link } from '../components/Link';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { formatMs, formatNumber, formatPercent } from '../time/format';
import {
  LATENCY_VQL,
  RATES_VQL,
  SPARK_WINDOW,
  latest,
  shapeSignals,
  type ServiceSignals,
} from './overview/golden-signals';

const REFRESH_MS = 30_000;

interface Row {
  service: string;
  lastSeen?: number;
  health?: ServiceHealth;
  signals?: ServiceSignals;
}

/** Worst first: lowest health score, then highest error rate; services without a score last. */
function worstFirst(a: Row, b: Row): number {
  const sa = a.health?.score ?? null;
  const sb = b.health?.score ?? null;
  if (sa !== sb) {
    if (sa === null) return 1;
    if (sb === null) return -1;
    return sa - sb;
  }
  const ea = latest(a.signals?.errorRate ?? []) ?? -1;
  const eb = latest(b.signals?.errorRate ?? []) ?? -1;
  return eb - ea || a.service.localeCompare(b.service);
}

/**
 * Every service with its health score (and why), throughput, error rate and p99 latency over the
 * last hour, worst first. Scores come from GET /v1/health-scores; the sparklines from two VQL
 * queries covering all services at once.
 */
export function OverviewPage(): ReactNode {
  const services = useApi(
    'services',
    (s) =>
      apiGetPages<ServicesResponse>(
        '/v1/services',
        undefined,
        (all, page) => ({ ...all, services: [...all.services, ...page.services] }),
        s,
      ),
    REFRESH_MS,
  );
  const health = useApi(
    'health',
    (s) =>
      apiGetPages<HealthScoresResponse>(
        '/v1/health-scores',
        undefined,
        (all, page) => ({ ...all, services: [...all.services, ...page.services] }),
        s,
      ),
    REFRESH_MS,
  );
  const rates = useApi('rates', (s) => apiPost<VqlResponse>('/v1/query', { vql: RATES_VQL }, s), REFRESH_MS);
  const latency = useApi(
    'latency',
    (s) => apiPost<VqlResponse>('/v1/query', { vql: LATENCY_VQL }, s),
    REFRESH_MS,
  );

  // "Seen … ago" counts from when the list was asked for, which is what its times are as of.
  const now = services.state.asOf ?? 0;
  const signals = shapeSignals(rates.state.data, latency.state.data);
  const rows = new Map<string, Row>();
  for (const s of services.state.data?.services ?? [])
    rows.set(s.name, { service: s.name, lastSeen: s.lastSeen });
  for (const h of health.state.data?.services ?? [])
    rows.set(h.service, { ...rows.get(h.service), service: h.service, health: h });
  for (const row of rows.values()) row.signals = signals.get(row.service);
  const sorted = [...rows.values()].sort(worstFirst);

  let body: ReactNode;
  if (services.state.status === 'error' && !services.state.data) {
    body = (
      <ErrorBox title="Could not list services" error={services.state.error} onRetry={services.reload} />
    );
  } else if (!services.state.data) {
    body = <Loading label="Loading services…" />;
  } else if (sorted.length === 0) {
    body = (
      <Empty>
        <h2>No data yet</h2>
        <p>
          Send metrics to the collector (port 8000), or try the demo:{' '}
          <code>npm run vantage -- send-test-metrics</code>
        </p>
      </Empty>
    );
  } else {
    body = <ServiceTable rows={sorted} now={now} />;
  }

  return (
    <section className="page" aria-labelledby="overview-title">
      <div className="page-head">
        <h1 id="overview-title">Services</h1>
        <p className="muted">
          Health, throughput, error rate and p99 latency over the last {SPARK_WINDOW}; worst first.
        </p>
      </div>
      {health.state.status === 'error' ? (
        <ErrorBox title="Health scores are unavailable" error={health.state.error} onRetry={health.reload} />
      ) : null}
      {rates.state.status === 'error' || latency.state.status === 'error' ? (
        <ErrorBox
          title="Trends are unavailable"
          error={(rates.state.error ?? latency.state.error) as Error}
          onRetry={() => {
            rates.reload();
            latency.reload();
          }}
        />
      ) : null}
      {body}
    </section>
  );
}

function ServiceTable({ rows, now }: { rows: Row[]; now: number }): ReactNode {
  return (
    <div className="table-scroll">
      <table className="overview-table" data-testid="overview-table">
        <thead>
          <tr>
            <th scope="col">Service</th>
            <th scope="col">Health</th>
            <th scope="col">Throughput</th>
            <th scope="col">Error rate</th>
            <th scope="col">p99 latency</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <ServiceRow key={row.service} row={row} now={now} />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function ServiceRow({ row, now }: { row: Row; now: number }): ReactNode {
  const { health, signals } = row;
  const inputs = health?.inputs;
  const throughput = inputs?.throughput?.current ?? latest(signals?.throughput ?? []);
  const errorRate = inputs?.errorRate?.current ?? latest(signals?.errorRate ?? []);
  const p99 = inputs?.latencyP99?.current ?? latest(signals?.latencyP99 ?? []);
  const href = `/services/${encodeURIComponent(row.service)}`;
  return (
    <tr data-service={row.service} data-score={health?.score ?? ''}>
      <th scope="row">
        <Link href={href}>{row.service}</Link>
        {row.lastSeen ? <div className="muted small seen">seen {ago(row.lastSeen, now)}</div> : null}
      </th>
      <td className="health-cell">
        <HealthCell health={health} />
      </td>
      <td data-label="Throughput">
        <Signal
          value={`${formatNumber(throughput)} req/s`}
          points={signals?.throughput}
          label={`${row.service} requests per second`}
        />
      </td>
      <td data-label="Error rate">
        <Signal
          value={formatPercent(errorRate)}
          points={signals?.errorRate}
          label={`${row.service} error rate`}
        />
      </td>
      <td data-label="p99 latency">
        <Signal value={formatMs(p99)} points={signals?.latencyP99} label={`${row.service} p99 latency`} />
      </td>
    </tr>
  );
}

function Signal({
  value,
  points,
  label,
}: {
  value: string;
  points?: ServiceSignals['throughput'];
  label: string;
}): ReactNode {
  return (
    <div className="signal">
      <span className="signal-value">{value}</span>
      <Sparkline points={points ?? []} label={label} />
    </div>
  );
}

function HealthCell({ health }: { health?: ServiceHealth }): ReactNode {
  if (!health) return <span className="muted">—</span>;
  const status = health.status.toLowerCase();
  return (
    <div className="health">
      <span className={`score score-${status}`} data-testid="health-score" title={health.status}>
        {health.score === null ? '?' : Math.round(health.score)}
      </span>
      <div>
        <div className={`status status-${status}`}>{health.status}</div>
        {health.reasons.length > 0 ? (
          <ul className="reasons">
            {health.reasons.map((r) => (
              <li key={r}>{r}</li>
            ))}
          </ul>
        ) : null}
      </div>
    </div>
  );
}

function ago(then: number, now: number): string {
  const s = Math.max(0, Math.round((now - then) / 1000));
  if (s < 90) return `${s} s ago`;
  if (s < 5400) return `${Math.round(s / 60)} min ago`;
  if (s < 129_600) return `${Math.round(s / 3600)} h ago`;
  return `${Math.round(s / 86_400)} d ago`;
}
