import { useMemo, type ReactNode } from 'react';
import { hrefWith, navigate, useLocation, useSetParams } from '../app/router';
import { apiGet } from '../api/client';
import type { ServiceMapQuery, ServiceMapResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { Link } from '../components/Link';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { formatMs, formatNumber, formatPercent } from '../time/format';
import { describeRange, rangeFromParams } from '../time/range';
import { NODE_HEIGHT, NODE_WIDTH, layoutServiceMap, type MapEdge } from '../traces/service-map-layout';
import '../styles/traces.css';

/**
 * The service map: which services call which over the time range, from parent and child spans in
 * different services, each call with its count, errors and p95. A service links to its traces;
 * `/service-map?from=-6h` is the whole state.
 */
export default function ServiceMapPage(): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const range = rangeFromParams(params);
  const map = useApi(`service-map:${range.from}:${range.to}`, (s) =>
    apiGet<ServiceMapResponse>(
      '/v1/service-map',
      { from: range.from, to: range.to } satisfies ServiceMapQuery,
      s,
    ),
  );
  const data = map.state.data;
  const layout = useMemo(() => (data ? layoutServiceMap(data.services, data.calls) : undefined), [data]);

  let body: ReactNode;
  if (map.state.status === 'error' && !data)
    body = <ErrorBox title="Could not load the service map" error={map.state.error} onRetry={map.reload} />;
  else if (!data || !layout) body = <Loading label="Loading the service map…" />;
  else if (layout.nodes.length === 0)
    body = (
      <Empty>
        <h2>No calls between services</h2>
        <p>
          No spans with a parent in another service in {describeRange(range)}. Send traces over OTLP, or widen
          the time range.
        </p>
      </Empty>
    );
  else {
    const tracesOf = (service: string): string =>
      hrefWith('/traces', { service, from: range.from, to: range.to });
    body = (
      <div className="table-scroll service-map-scroll">
        <svg
          className="service-map"
          width={layout.width}
          height={layout.height}
          viewBox={`0 0 ${layout.width} ${layout.height}`}
          role="group"
          aria-label="Service map"
          data-testid="service-map"
          data-nodes={layout.nodes.length}
          data-edges={layout.edges.length}
        >
          <defs>
            <marker
              id="map-arrow"
              viewBox="0 0 10 10"
              refX="9"
              refY="5"
              markerWidth="7"
              markerHeight="7"
              orient="auto-start-reverse"
            >
              <path d="M0,0 L10,5 L0,10 z" className="map-arrow" />
            </marker>
          </defs>
          {layout.edges.map((e) => (
            <Edge key={`${e.call.parent}\u0000${e.call.child}`} edge={e} />
          ))}
          {layout.nodes.map((n) => (
            <g
              key={n.name}
              className="map-node"
              transform={`translate(${n.x},${n.y})`}
              data-service={n.name}
              role="link"
              tabIndex={0}
              aria-label={`${n.name}: its traces`}
              onClick={() => navigate(tracesOf(n.name))}
              onKeyDown={(ev) => {
                if (ev.key === 'Enter') navigate(tracesOf(n.name));
              }}
            >
              <rect width={NODE_WIDTH} height={NODE_HEIGHT} rx={8} />
              <text x={NODE_WIDTH / 2} y={NODE_HEIGHT / 2 + 5} textAnchor="middle">
                {n.name.length > 20 ? `${n.name.slice(0, 19)}…` : n.name}
              </text>
              <title>{n.name}</title>
            </g>
          ))}
        </svg>
      </div>
    );
  }

  return (
    <section className="page" aria-labelledby="map-title">
      <div className="page-head">
        <h1 id="map-title">Service map</h1>
        <p className="muted">
          Calls between services, {describeRange(range)}: count · errors · p95. A service opens its traces.
        </p>
      </div>
      <div className="toolbar">
        <TimeRangePicker range={range} onChange={(r) => setParams({ from: r.from, to: r.to }, true)} />
        <Link href="/traces">Traces</Link>
      </div>
      {body}
      {data && data.calls.length > 0 ? <CallTable data={data} /> : null}
    </section>
  );
}

/** A call as a line (a curve above the nodes when it goes back, a loop for a self-call) with its numbers. */
function Edge({ edge }: { edge: MapEdge }): ReactNode {
  const { from, to, call } = edge;
  let d: string;
  let label: { x: number; y: number };
  if (edge.self) {
    d = `M${from.x - 20},${from.y} C${from.x - 40},${from.y - 50} ${from.x + 40},${from.y - 50} ${from.x + 20},${from.y}`;
    label = { x: from.x, y: from.y - 44 };
  } else if (edge.back || edge.long) {
    // Above the nodes going back, below them skipping ahead: the control points' height grows
    // with the distance, so nested curves do not lie on each other.
    const sign = edge.back ? -1 : 1;
    const lift = 40 + Math.abs(to.x - from.x) / 8;
    const turn = (edge.back ? Math.min(from.y, to.y) : Math.max(from.y, to.y)) + sign * lift;
    d = `M${from.x},${from.y} C${from.x},${turn} ${to.x},${turn} ${to.x},${to.y}`;
    label = { x: (from.x + to.x) / 2, y: turn - sign * lift * 0.25 + (edge.back ? 0 : 4) };
  } else {
    const mid = (from.x + to.x) / 2;
    d = `M${from.x},${from.y} C${mid},${from.y} ${mid},${to.y} ${to.x},${to.y}`;
    label = { x: mid, y: (from.y + to.y) / 2 - 6 };
  }
  const failing = call.errors > 0;
  return (
    <g
      className={`map-edge${failing ? ' map-edge-errors' : ''}`}
      data-parent={call.parent}
      data-child={call.child}
      data-calls={call.calls}
      data-errors={call.errors}
      data-p95={call.p95Ms}
    >
      <path d={d} markerEnd="url(#map-arrow)" />
      <text x={label.x} y={label.y} textAnchor="middle" className="map-edge-label">
        {formatNumber(call.calls)} · {formatNumber(call.errors)} · {formatMs(call.p95Ms)}
      </text>
      <title>
        {call.parent} → {call.child}: {call.calls} calls, {call.errors} errors, p95 {formatMs(call.p95Ms)}
      </title>
    </g>
  );
}

/** The same calls as a table: readable on a phone, and by a screen reader. */
function CallTable({ data }: { data: ServiceMapResponse }): ReactNode {
  const calls = [...data.calls].sort((a, b) => b.calls - a.calls || a.parent.localeCompare(b.parent));
  return (
    <div className="table-scroll map-calls">
      <table data-testid="service-map-calls">
        <thead>
          <tr>
            <th scope="col">Caller</th>
            <th scope="col">Called</th>
            <th scope="col">Calls</th>
            <th scope="col">Errors</th>
            <th scope="col">p95</th>
          </tr>
        </thead>
        <tbody>
          {calls.map((c) => (
            <tr key={`${c.parent}\u0000${c.child}`} data-parent={c.parent} data-child={c.child}>
              <td>
                <Link href={hrefWith('/traces', { service: c.parent })}>{c.parent}</Link>
              </td>
              <td>
                <Link href={hrefWith('/traces', { service: c.child })}>{c.child}</Link>
              </td>
              <td className="num">{formatNumber(c.calls)}</td>
              <td className={`num${c.errors > 0 ? ' span-error' : ''}`}>
                {formatNumber(c.errors)} ({formatPercent(c.calls ? c.errors / c.calls : 0, 1)})
              </td>
              <td className="num">{formatMs(c.p95Ms)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
