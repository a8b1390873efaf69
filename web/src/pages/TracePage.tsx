import { useMemo, type ReactNode } from 'react';
import { useLocation, useSetParams } from '../app/router';
import { ApiError, apiGet } from '../api/client';
import type { TraceResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { Link } from '../components/Link';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { formatMs, formatTime } from '../time/format';
import { traceServiceLinks } from '../traces/span-links';
import { layoutWaterfall } from '../traces/waterfall';
import { SpanDetails } from './traces/SpanDetails';
import { ServiceLegend, Waterfall } from './traces/Waterfall';
import '../styles/traces.css';

/**
 * One trace: its spans as a waterfall with the critical path, and the selected span's details.
 * The selection and the folded spans are in the URL: `/traces/{id}?span=...&fold=a,b`.
 */
export default function TracePage({ traceId }: { traceId: string }): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const trace = useApi(`trace:${traceId}`, (s) =>
    apiGet<TraceResponse>(`/v1/traces/${encodeURIComponent(traceId)}`, undefined, s),
  );
  const spans = trace.state.data?.spans;
  const layout = useMemo(() => (spans ? layoutWaterfall(spans) : undefined), [spans]);
  const selectedId = params.get('span') ?? undefined;
  const foldParam = params.get('fold') ?? '';
  const folded = useMemo(() => new Set(foldParam.split(',').filter(Boolean)), [foldParam]);
  const selected = spans?.find((s) => s.spanId === selectedId);

  const head = (
    <div className="page-head">
      <p className="crumbs">
        <Link href="/traces">Traces</Link> /
      </p>
      <h1 id="trace-title">
        {layout?.rows[0] ? `${layout.rows[0].span.service}: ${layout.rows[0].span.name}` : 'Trace'}
      </h1>
      <p className="muted">
        <code>{traceId}</code>
      </p>
    </div>
  );

  let body: ReactNode;
  const failure = trace.state.status === 'error' ? trace.state.error : undefined;
  if (
    failure &&
    failure instanceof ApiError &&
    failure.status === 404 &&
    failure.code !== 'VTG_HTTP_NOT_FOUND'
  ) {
    body = (
      <Empty>
        <h2>No such trace</h2>
        <p>
          No span of trace <code>{traceId}</code> is kept: it may not have arrived yet, or it is older than
          the spans’ retention. <Link href="/traces">Search the traces</Link>
        </p>
      </Empty>
    );
  } else if (failure && !spans) {
    body = <ErrorBox title="Could not load this trace" error={failure} onRetry={trace.reload} />;
  } else if (!spans || !layout) {
    body = <Loading label="Loading the trace…" />;
  } else {
    const errors = spans.filter((s) => s.status === 'error').length;
    body = (
      <>
        <div className="tiles trace-tiles" data-testid="trace-summary">
          <Tile label="Start" value={formatTime(layout.startMs, true)} />
          <Tile label="Duration" value={formatMs(layout.durationMs)} />
          <Tile label="Spans" value={String(spans.length)} />
          <Tile label="Errors" value={String(errors)} bad={errors > 0} />
          <Tile label="Services" value={String(layout.services.length)} />
        </div>
        <p className="span-links small">
          Metrics at this time:{' '}
          {traceServiceLinks(spans).map((l, i) => (
            <span key={l.service}>
              {i > 0 ? ' · ' : null}
              <Link href={l.href} data-testid="trace-service-link">
                {l.service}
              </Link>
            </span>
          ))}
        </p>
        <ServiceLegend services={layout.services} />
        <div className={`trace-body${selected ? ' with-details' : ''}`}>
          <Waterfall
            layout={layout}
            selected={selected?.spanId}
            folded={folded}
            onSelect={(id) => setParams({ span: id === selected?.spanId ? undefined : id })}
            onFold={(id) => {
              const next = new Set(folded);
              if (next.has(id)) next.delete(id);
              else next.add(id);
              setParams({ fold: [...next].join(',') });
            }}
          />
          {selected ? <SpanDetails span={selected} onClose={() => setParams({ span: undefined })} /> : null}
        </div>
      </>
    );
  }

  return (
    <section className="page" aria-labelledby="trace-title">
      {head}
      {body}
    </section>
  );
}

function Tile({ label, value, bad = false }: { label: string; value: string; bad?: boolean }): ReactNode {
  return (
    <div className={`tile${bad ? ' down' : ''}`} data-stat={label.toLowerCase()}>
      <div className="tile-label">{label}</div>
      <div className="tile-value">{value}</div>
    </div>
  );
}
