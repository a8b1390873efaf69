import { Fragment, useMemo, type ReactNode } from 'react';
import { hrefWith, useLocation, useSetParams } from '../app/router';
import { apiGet, apiGetPages } from '../api/client';
import type { AlertHistoryResponse, MetricsResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { serviceAlertMarkers, type AlertMarker } from '../alerts/alerts-view';
import { placeExemplars } from '../charts/exemplars';
import { TimeSeriesChart } from '../charts/TimeSeriesChart';
import { Link } from '../components/Link';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { unitOf } from '../charts/units';
import { AGGS, type Agg } from '../live/live-series';
import type { StreamStatus } from '../live/stream-client';
import { seriesLabel, useTimeseries } from '../live/use-timeseries';
import { formatDuration, formatTime } from '../time/format';
import { describeRange, endsNow, rangeFromParams, type TimeRange } from '../time/range';
import { metricVql } from '../vql/queries';

type MetricInfo = MetricsResponse['metrics'][number];

/** Chart resolutions; automatic lets the API pick about 300 points for the range. */
const STEPS: readonly [string, string][] = [
  ['', 'auto'],
  ['1m', '1 min'],
  ['5m', '5 min'],
  ['1h', '1 hour'],
  ['1d', '1 day'],
];

/** Counters read best as a rate, gauges as their mean; either can be changed per chart. */
function defaultAgg(metric: MetricInfo): Agg {
  return metric.types.includes('counter') && !metric.types.includes('gauge') ? 'rate' : 'avg';
}

/**
 * One service: a chart per metric over the chosen time range, optionally one line per value of a
 * tag, and a live mode that appends points from the stream. Everything is in the URL:
 * `/services/checkout?from=-6h&group_by=route&live=1&agg.http_request_duration_ms=p99`.
 */
export default function ServicePage({ service }: { service: string }): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const range = rangeFromParams(params);
  const groupBy = params.get('group_by') ?? '';
  const step = params.get('step') ?? '';
  const canLive = endsNow(range);
  const live = canLive && params.get('live') === '1';
  const metrics = useApi(`metrics:${service}`, (s) =>
    apiGetPages<MetricsResponse>(
      '/v1/metrics',
      { service },
      (all, page) => ({ ...all, metrics: [...all.metrics, ...page.metrics] }),
      s,
    ),
  );
  const list = metrics.state.data?.metrics ?? [];
  // Firing and resolved times of the service's alerts, drawn on every chart. A server without
  // alerting (404) or a key without access just draws none.
  const history = useApi(JSON.stringify(['alert-history', range.from, range.to]), (s) =>
    apiGet<AlertHistoryResponse>('/v1/alerts/history', { from: range.from, to: range.to, limit: 10_000 }, s),
  );
  const entries = history.state.data?.entries;
  const markers = useMemo(
    () => (entries ? serviceAlertMarkers(entries, service) : undefined),
    [entries, service],
  );
  const tagKeys = [...new Set(list.flatMap((m) => m.tagKeys))].sort();

  let body: ReactNode;
  if (metrics.state.status === 'error' && !metrics.state.data) {
    body = (
      <ErrorBox
        title={`Could not list the metrics of ${service}`}
        error={metrics.state.error}
        onRetry={metrics.reload}
      />
    );
  } else if (!metrics.state.data) {
    body = <Loading label="Loading metrics…" />;
  } else if (list.length === 0) {
    body = (
      <Empty>
        <h2>No metrics</h2>
        <p>
          <code>{service}</code> has sent no metrics that are still kept.{' '}
          <Link href="/">Back to all services</Link>
        </p>
      </Empty>
    );
  } else {
    body = (
      <div className="chart-grid">
        {list.map((m) => (
          <MetricCard
            key={m.name}
            service={service}
            metric={m}
            range={range}
            groupBy={m.tagKeys.includes(groupBy) ? groupBy : ''}
            agg={(params.get(`agg.${m.name}`) as Agg | null) ?? defaultAgg(m)}
            onAgg={(agg) => setParams({ [`agg.${m.name}`]: agg === defaultAgg(m) ? undefined : agg })}
            step={step}
            live={live}
            {...(markers ? { markers } : {})}
          />
        ))}
      </div>
    );
  }

  return (
    <section className="page" aria-labelledby="service-title">
      <div className="page-head">
        <p className="crumbs">
          <Link href="/">Services</Link> /
        </p>
        <h1 id="service-title">{service}</h1>
        <p className="muted">{describeRange(range)}</p>
      </div>
      <div className="toolbar">
        <TimeRangePicker
          range={range}
          onChange={(r) =>
            setParams(
              { from: r.from, to: r.to, live: endsNow(r) ? (params.get('live') ?? undefined) : undefined },
              true,
            )
          }
        />
        <label className="field inline">
          Group by
          <select
            value={groupBy}
            onChange={(e) => setParams({ group_by: e.target.value }, true)}
            aria-label="Group by tag"
          >
            <option value="">(none)</option>
            {tagKeys.map((k) => (
              <option key={k} value={k}>
                {k}
              </option>
            ))}
          </select>
        </label>
        <label className="field inline">
          Step
          <select value={step} onChange={(e) => setParams({ step: e.target.value }, true)} aria-label="Step">
            {STEPS.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </select>
        </label>
        <label
          className="check"
          title={canLive ? 'Append new points as they arrive' : 'Live mode needs a range that ends now'}
        >
          <input
            type="checkbox"
            checked={live}
            disabled={!canLive}
            onChange={(e) => setParams({ live: e.target.checked ? '1' : undefined })}
            data-testid="live-toggle"
          />
          Live
        </label>
      </div>
      {body}
    </section>
  );
}

function MetricCard({
  service,
  metric,
  range,
  groupBy,
  agg,
  onAgg,
  step,
  live,
  markers,
}: {
  service: string;
  metric: MetricInfo;
  range: TimeRange;
  groupBy: string;
  agg: Agg;
  onAgg: (agg: Agg) => void;
  step: string;
  live: boolean;
  markers?: readonly AlertMarker[];
}): ReactNode {
  const view = useTimeseries({
    service,
    metric: metric.name,
    agg,
    groupBy: groupBy ? [groupBy] : [],
    range,
    ...(step ? { step } : {}),
    live,
    exemplars: true,
  });
  const q = view.state.data?.query;
  // Links from the chart to traces: each series' exemplars come with its points (at most 1,000 in
  // the answer, the newest), in the group its line is.
  const loaded = view.state.data?.series;
  const exemplarList = useMemo(
    () =>
      loaded?.flatMap((s) =>
        (s.exemplars ?? []).map((e) => ({
          tags: s.tags,
          time: e.timestamp,
          value: e.value,
          traceId: e.traceId,
        })),
      ),
    [loaded],
  );
  const exemplars = useMemo(
    () =>
      exemplarList && q
        ? placeExemplars(exemplarList, {
            agg,
            stepMs: q.step,
            series: view.series,
            lineOf: (tags) => seriesLabel(metric.name, groupBy ? { [groupBy]: tags[groupBy] ?? '' } : {}),
          })
        : undefined,
    [exemplarList, q, agg, view.series, metric.name, groupBy],
  );
  const unit = unitOf(metric.name, agg, metric.types.includes('counter'));
  const explore = hrefWith('/explore', { q: metricVql(service, metric.name, agg, groupBy, range) });
  return (
    <article className="card" data-metric={metric.name} aria-labelledby={`m-${metric.name}`}>
      <header className="card-head">
        <h2 id={`m-${metric.name}`}>{breakable(metric.name)}</h2>
        <span className="badge">{metric.types.join(', ')}</span>
        <select
          value={agg}
          onChange={(e) => onAgg(e.target.value as Agg)}
          aria-label={`Aggregation of ${metric.name}`}
        >
          {AGGS.filter((a) => !(a.startsWith('p') && !metric.types.includes('gauge'))).map((a) => (
            <option key={a} value={a}>
              {a}
            </option>
          ))}
        </select>
      </header>
      {view.state.status === 'error' ? (
        <ErrorBox error={view.state.error} onRetry={view.reload} />
      ) : !view.state.data ? (
        <Loading />
      ) : (
        <TimeSeriesChart
          title={`${metric.name} ${agg}${groupBy ? ` by ${groupBy}` : ''}`}
          series={view.series}
          unit={unit}
          xRange={view.xRange}
          inProgressFrom={view.inProgressFrom}
          {...(exemplars ? { exemplars } : {})}
          {...(markers ? { alertMarkers: markers } : {})}
          empty={
            view.leftOut?.hadData && q
              ? `Only the ${formatDuration(q.step)} step in progress has data so far: turn on Live, or pick a shorter step.`
              : undefined
          }
        />
      )}
      <footer className="card-foot muted small">
        {q ? (
          <span>
            step {formatDuration(q.step)} · tier {q.tier} ·{' '}
            {view.leftOut ? (
              <span title="The step in progress is left out until it is over; Live shows it as it fills.">
                to {formatTime(view.leftOut.from)}
              </span>
            ) : (
              'dashed: step in progress'
            )}
          </span>
        ) : null}
        {exemplars?.length ? (
          <span title="Samples linked to traces: a dot opens its trace">
            ● {exemplars.length} exemplar{exemplars.length === 1 ? '' : 's'}
          </span>
        ) : null}
        {markers?.length ? (
          <span title="Alerts of this service fired (red) and resolved (green) at the vertical rules">
            ▏{markers.length} alert change{markers.length === 1 ? '' : 's'}
          </span>
        ) : null}
        {live ? <LiveBadge status={view.live} /> : null}
        <Link href={explore}>Open in Explore</Link>
      </footer>
    </article>
  );
}

function LiveBadge({ status }: { status?: StreamStatus }): ReactNode {
  if (!status || status.state === 'connecting')
    return <span className="live live-connecting">connecting…</span>;
  if (status.state === 'live')
    return (
      <span className="live live-on" data-testid="live-on">
        ● live
      </span>
    );
  return (
    <span className="live live-error" role="status" title={status.code}>
      live stream: {status.message}
    </span>
  );
}

/** A metric name that may wrap after its underscores on a narrow screen, rather than be cut off. */
function breakable(name: string): ReactNode {
  return name.split(/(?<=_)/).map((part, i) => (
    <Fragment key={i}>
      {i > 0 ? <wbr /> : null}
      {part}
    </Fragment>
  ));
}
