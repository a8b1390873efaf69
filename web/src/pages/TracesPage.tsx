import { useMemo, type FormEvent, type ReactNode } from 'react';
import { useLocation, useSetParams } from '../app/router';
import { apiGet } from '../api/client';
import type { TracesResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { DataTable } from '../components/DataTable';
import { Link } from '../components/Link';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { formatMs } from '../time/format';
import { describeRange, rangeFromParams } from '../time/range';
import { durationHistogram } from '../traces/duration-histogram';
import {
  LIMITS,
  filterProblems,
  filtersFromParams,
  filtersToParams,
  searchParams,
  type TraceFilters,
} from '../traces/trace-search';
import { DurationHistogramChart } from './traces/DurationHistogramChart';
import '../styles/traces.css';

const COLUMNS = ['Start', 'Trace', 'Duration', 'Spans', 'Errors', 'Services', 'Trace ID'];

/**
 * Traces: search by service, operation, duration, status, tags and time; the durations found as a
 * histogram (a bar narrows the search to it); the traces newest first, each a link to its waterfall.
 * The search is in the URL: `/traces?service=checkout&status=error&min_duration=250ms&from=-6h`.
 */
export default function TracesPage(): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const range = rangeFromParams(params);
  const filters = filtersFromParams(params);
  const problems = filterProblems(filters);
  const valid = Object.keys(problems).length === 0;
  const query = searchParams(filters, range);
  const found = useApi(valid ? JSON.stringify(query) : null, (s) =>
    apiGet<TracesResponse>('/v1/traces', query, s),
  );
  const traces = found.state.data?.traces;
  const histogram = useMemo(() => durationHistogram((traces ?? []).map((t) => t.durationMs)), [traces]);

  const search = (e: FormEvent<HTMLFormElement>): void => {
    e.preventDefault();
    const form = new FormData(e.currentTarget);
    const text = (name: string): string => String(form.get(name) ?? '').trim();
    const status = text('status');
    setParams(
      filtersToParams({
        service: text('service'),
        operation: text('operation'),
        minDuration: text('minDuration'),
        maxDuration: text('maxDuration'),
        status: status === 'ok' || status === 'error' ? status : '',
        tags: text('tags'),
        limit: Number(text('limit')),
      }),
      true,
    );
  };

  let body: ReactNode;
  if (!valid) body = null;
  else if (found.state.status === 'error' && !traces)
    body = <ErrorBox title="Could not search the traces" error={found.state.error} onRetry={found.reload} />;
  else if (!traces) body = <Loading label="Searching…" />;
  else if (traces.length === 0)
    body = (
      <Empty>
        <h2>No traces</h2>
        <p>Nothing matched in {describeRange(range)}. Widen the time range or loosen a filter.</p>
      </Empty>
    );
  else
    body = (
      <>
        <DurationHistogramChart
          histogram={histogram}
          onPick={(from, to) =>
            setParams(
              filtersToParams({ minDuration: `${Math.floor(from)}ms`, maxDuration: `${Math.ceil(to)}ms` }),
              true,
            )
          }
        />
        <p className="muted small" data-testid="traces-count">
          {traces.length === filters.limit
            ? `The newest ${traces.length} traces: narrow the search, or raise the limit, to see others.`
            : `${traces.length} trace${traces.length === 1 ? '' : 's'}, newest first.`}
        </p>
        <DataTable
          testId="traces-table"
          columns={COLUMNS}
          timeColumn={0}
          rows={traces.map((t) => [
            t.start,
            `${t.rootService}: ${t.rootOperation}`,
            t.durationMs,
            t.spanCount,
            t.errorCount,
            t.services.join(', '),
            t.traceId,
          ])}
          cell={(r, c) => {
            const t = traces[r];
            if (!t) return undefined;
            if (c === 1)
              return (
                <Link href={`/traces/${t.traceId}`} data-trace-id={t.traceId}>
                  <strong>{t.rootService}</strong> {t.rootOperation}
                </Link>
              );
            if (c === 2) return formatMs(t.durationMs);
            if (c === 4 && t.errorCount > 0) return <span className="span-error">{t.errorCount}</span>;
            if (c === 6) return <code className="small">{t.traceId}</code>;
            return undefined;
          }}
        />
      </>
    );

  return (
    <section className="page" aria-labelledby="traces-title">
      <div className="page-head">
        <h1 id="traces-title">Traces</h1>
        <p className="muted">
          {describeRange(range)} · <Link href="/service-map">Service map</Link>
        </p>
      </div>
      <div className="toolbar">
        <TimeRangePicker range={range} onChange={(r) => setParams({ from: r.from, to: r.to }, true)} />
      </div>
      <SearchForm key={params.toString()} filters={filters} problems={problems} onSubmit={search} />
      {body}
    </section>
  );
}

/** The fields start from the URL's search; keyed on it, so the back button refills them. */
function SearchForm({
  filters,
  problems,
  onSubmit,
}: {
  filters: TraceFilters;
  problems: ReturnType<typeof filterProblems>;
  onSubmit: (e: FormEvent<HTMLFormElement>) => void;
}): ReactNode {
  const field = (
    name: keyof TraceFilters,
    label: string,
    placeholder: string,
    problem?: string,
  ): ReactNode => (
    <label className="field">
      {label}
      <input
        name={name}
        aria-label={label}
        defaultValue={String(filters[name])}
        placeholder={placeholder}
        aria-invalid={problem ? true : undefined}
        aria-describedby={problem ? `problem-${name}` : undefined}
      />
      {problem ? (
        <span id={`problem-${name}`} className="field-problem" role="alert">
          {problem}
        </span>
      ) : null}
    </label>
  );
  return (
    <form className="trace-search" onSubmit={onSubmit} aria-label="Search traces">
      {field('service', 'Service', 'any')}
      {field('operation', 'Operation', 'any')}
      {field('minDuration', 'Min duration', '250ms', problems.minDuration)}
      {field('maxDuration', 'Max duration', '2s', problems.maxDuration)}
      <label className="field">
        Status
        <select name="status" defaultValue={filters.status}>
          <option value="">any</option>
          <option value="ok">ok</option>
          <option value="error">error</option>
        </select>
      </label>
      {field('tags', 'Tags', 'http.route:/pay region:eu', problems.tags)}
      <label className="field">
        Limit
        <select name="limit" defaultValue={String(filters.limit)}>
          {[...new Set([...LIMITS, filters.limit])]
            .sort((a, b) => a - b)
            .map((l) => (
              <option key={l} value={l}>
                {l}
              </option>
            ))}
        </select>
      </label>
      <button type="submit">Search</button>
    </form>
  );
}
