import { useMemo, useState, type ReactNode } from 'react';
import { useLocation, useSetParams } from '../app/router';
import { ApiError, apiPost } from '../api/client';
import type { VqlResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { TimeSeriesChart } from '../charts/TimeSeriesChart';
import { DataTable } from '../components/DataTable';
import { inProgressFrom } from '../live/step-window';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { EXAMPLES } from '../vql/examples';
import { offsetOf } from '../vql/highlight';
import { resultSeries, timeColumn } from '../vql/result-chart';
import { VqlEditor, type EditorError } from '../vql/VqlEditor';

/**
 * Explore: write a VQL query, run it, see the answer as a chart (when it is grouped by time) or a
 * table. The query is in the URL (`/explore?q=...`), so the address is a link that reproduces it.
 */
export default function ExplorePage(): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const q = params.get('q') ?? '';
  // The editor's text, while it differs from the query in the URL; a new query there (an example,
  // a link, the back button) replaces it.
  const [draft, setDraft] = useState<{ of: string; text: string } | undefined>(undefined);
  const text = draft?.of === q ? draft.text : q;
  const setText = (value: string): void => setDraft({ of: q, text: value });
  const [run, setRun] = useState(0);

  const result = useApi(q.trim() ? `${run}\u0000${q}` : null, (signal) =>
    apiPost<VqlResponse>('/v1/query', { vql: q }, signal),
  );
  const execute = (query = text): void => {
    if (!query.trim()) return;
    if (query === q) setRun((r) => r + 1);
    else setParams({ q: query }, true);
  };

  const failure = result.state.status === 'error' ? result.state.error : undefined;
  const api = failure instanceof ApiError ? failure : undefined;
  const editorError: EditorError | undefined =
    api?.position && text === q
      ? {
          offset: api.position.offset ?? offsetOf(q, api.position.line, api.position.column),
          message: api.message,
        }
      : undefined;

  return (
    <section className="page" aria-labelledby="explore-title">
      <div className="page-head">
        <h1 id="explore-title">Explore</h1>
        <p className="muted">
          Ask in VQL, an SQL-like language over the table <code>metrics</code>. Ctrl+Enter runs the query.
        </p>
      </div>
      <div className="explore">
        <div className="explore-main">
          <VqlEditor value={text} onChange={setText} onRun={() => execute()} error={editorError} />
          {api?.position ? (
            <div id="vql-error" className="vql-error" role="alert" data-testid="vql-error">
              <strong>
                Line {api.position.line}, column {api.position.column}:
              </strong>{' '}
              {api.message} <code className="error-code">{api.code}</code>
            </div>
          ) : null}
          <div className="toolbar">
            <button type="button" onClick={() => execute()} disabled={!text.trim()} data-testid="vql-run">
              Run
            </button>
            <CopyLink disabled={!q} />
          </div>
        </div>
        <aside className="examples" aria-label="Example queries">
          <h2>Examples</h2>
          <ul>
            {EXAMPLES.map((e) => (
              <li key={e.title}>
                <button type="button" className="link" onClick={() => execute(e.vql)}>
                  {e.title}
                </button>
              </li>
            ))}
          </ul>
        </aside>
      </div>
      {!q.trim() ? (
        <Empty>Write a query above or pick an example.</Empty>
      ) : failure && !api?.position ? (
        <ErrorBox title="The query failed" error={failure} onRetry={result.reload} />
      ) : failure ? null : result.state.status === 'loading' && !result.state.data ? (
        <Loading label="Running…" />
      ) : result.state.data ? (
        <Result
          result={result.state.data}
          asOf={result.state.asOf}
          view={params.get('view')}
          onView={(v) => setParams({ view: v })}
        />
      ) : null}
    </section>
  );
}

function Result({
  result,
  asOf,
  view,
  onView,
}: {
  result: VqlResponse;
  /** When the query was sent (epoch ms). */
  asOf: number | undefined;
  view: string | null;
  onView: (view: string | undefined) => void;
}): ReactNode {
  const series = useMemo(() => resultSeries(result), [result]);
  const time = timeColumn(result);
  const showChart = series !== undefined && view !== 'table';
  const { stats } = result;
  // The time bucket still filling when the query was sent (a rate or a sum over it reads low) is
  // drawn dashed; the table shows it as answered. The answer's end is widened to a whole bucket,
  // so it bounds the bucket in progress but does not say whether the query ended now.
  const progress =
    stats.step && asOf !== undefined
      ? Math.min(inProgressFrom(asOf, stats.step), stats.to - stats.step)
      : undefined;
  const partial =
    progress !== undefined && (series ?? []).some((s) => s.points.some((p) => p[0] >= progress));
  return (
    <div className="result" data-testid="vql-result">
      <div className="toolbar">
        <div className="segmented" role="tablist" aria-label="Show the answer as">
          <button
            type="button"
            role="tab"
            aria-selected={showChart}
            disabled={!series}
            onClick={() => onView(undefined)}
          >
            Chart
          </button>
          <button type="button" role="tab" aria-selected={!showChart} onClick={() => onView('table')}>
            Table
          </button>
        </div>
        <span className="muted small" data-testid="vql-stats">
          {stats.rows} rows · tier {stats.tier} · {stats.elapsedMs} ms
          {showChart && partial ? ' · dashed: bucket in progress' : null}
        </span>
      </div>
      {stats.notices.map((n) => (
        <p key={n} className="notice">
          {n}
        </p>
      ))}
      {result.rows.length === 0 ? (
        <Empty>No rows: nothing matched in this time range.</Empty>
      ) : showChart ? (
        <TimeSeriesChart
          title="Query result"
          series={series}
          height={320}
          inProgressFrom={partial ? progress : undefined}
        />
      ) : (
        <DataTable columns={result.columns} rows={result.rows} timeColumn={time} />
      )}
    </div>
  );
}

function CopyLink({ disabled }: { disabled: boolean }): ReactNode {
  const [copied, setCopied] = useState(false);
  return (
    <button
      type="button"
      className="secondary"
      disabled={disabled}
      onClick={() => {
        void navigator.clipboard?.writeText(window.location.href).then(() => {
          setCopied(true);
          window.setTimeout(() => setCopied(false), 1500);
        });
      }}
      title="Copy a link that runs this query"
    >
      {copied ? 'Link copied' : 'Copy link'}
    </button>
  );
}
