import { useState, type ReactNode } from 'react';
import { useLocation, useSetParams } from '../app/router';
import { apiGet } from '../api/client';
import type { CompareResponse, MetricsResponse, ServicesResponse } from '../api/types';
import { useApi } from '../api/use-api';
import { TimeSeriesChart } from '../charts/TimeSeriesChart';
import { StatBars } from '../charts/StatBars';
import { unitOf } from '../charts/units';
import { Empty, ErrorBox, Loading } from '../components/StateViews';
import { TimeRangePicker } from '../components/TimeRangePicker';
import { formatNumber, formatPercent } from '../time/format';
import { rangeFromParams } from '../time/range';

interface CompareForm {
  metric: string;
  a: string;
  b: string;
  service: string;
}

/**
 * Compare: one metric on two sides, two services (`service:checkout`) or two values of a tag
 * within a service (`version:v2`), both series overlaid, the numbers side by side and whether
 * the difference is significant (Welch's t-test, from GET /v1/compare).
 */
export default function ComparePage(): ReactNode {
  const { params } = useLocation();
  const setParams = useSetParams();
  const range = rangeFromParams(params);
  const asked: CompareForm = {
    metric: params.get('metric') ?? '',
    a: params.get('a') ?? '',
    b: params.get('b') ?? '',
    service: params.get('service') ?? '',
  };
  // What is being typed belongs to the comparison it started from; a new one in the URL (a link,
  // the back button) shows its own sides again.
  const askedKey = JSON.stringify(asked);
  const [draft, setDraft] = useState<{ of: string; form: CompareForm } | undefined>(undefined);
  const form = draft?.of === askedKey ? draft.form : asked;
  const suggestions = useSuggestions(form.service);

  const ready = asked.metric && asked.a && asked.b;
  const key = ready ? JSON.stringify([asked, range]) : null;
  const result = useApi(key, (signal) =>
    apiGet<CompareResponse>(
      '/v1/compare',
      {
        metric: asked.metric,
        a: asked.a,
        b: asked.b,
        service: asked.service,
        from: range.from,
        to: range.to,
      },
      signal,
    ),
  );
  const field = (name: keyof CompareForm, label: string, placeholder: string, list?: string): ReactNode => (
    <label className="field">
      {label}
      <input
        value={form[name]}
        placeholder={placeholder}
        list={list}
        onChange={(e) => setDraft({ of: askedKey, form: { ...form, [name]: e.target.value } })}
        name={name}
      />
    </label>
  );

  return (
    <section className="page" aria-labelledby="compare-title">
      <div className="page-head">
        <h1 id="compare-title">Compare</h1>
        <p className="muted">
          One metric, two sides: two services (<code>service:checkout</code>) or two values of a tag within a
          service (<code>version:v2</code>).
        </p>
      </div>
      <form
        className="compare-form"
        onSubmit={(e) => {
          e.preventDefault();
          setParams(
            { metric: form.metric.trim(), a: form.a.trim(), b: form.b.trim(), service: form.service.trim() },
            true,
          );
        }}
      >
        {field('metric', 'Metric', 'http_request_duration_ms', 'compare-metrics')}
        {field('a', 'Side A (baseline)', 'service:checkout', 'compare-sides')}
        {field('b', 'Side B', 'service:checkout-v2', 'compare-sides')}
        {field('service', 'Within service (for tag sides)', 'optional', 'compare-services')}
        <button type="submit" disabled={!form.metric.trim() || !form.a.trim() || !form.b.trim()}>
          Compare
        </button>
        <datalist id="compare-metrics">
          {suggestions.metrics.map((m) => (
            <option key={m} value={m} />
          ))}
        </datalist>
        <datalist id="compare-services">
          {suggestions.services.map((s) => (
            <option key={s} value={s} />
          ))}
        </datalist>
        <datalist id="compare-sides">
          {suggestions.services.map((s) => (
            <option key={s} value={`service:${s}`} />
          ))}
          {suggestions.tagKeys.map((k) => (
            <option key={k} value={`${k}:`} />
          ))}
        </datalist>
      </form>
      <div className="toolbar">
        <TimeRangePicker range={range} onChange={(r) => setParams({ from: r.from, to: r.to }, true)} />
      </div>
      {!ready ? (
        <Empty>Pick a metric and two sides to compare.</Empty>
      ) : result.state.status === 'error' ? (
        <ErrorBox title="Could not compare" error={result.state.error} onRetry={result.reload} />
      ) : !result.state.data ? (
        <Loading label="Comparing…" />
      ) : (
        <CompareResult result={result.state.data} />
      )}
    </section>
  );
}

/** Metric names, services and tag keys to offer while typing. */
function useSuggestions(service: string): { metrics: string[]; services: string[]; tagKeys: string[] } {
  const services = useApi('compare:services', (s) => apiGet<ServicesResponse>('/v1/services', undefined, s));
  const names = services.state.data?.services.map((s) => s.name) ?? [];
  const scope = service || names[0] || '';
  const metrics = useApi(scope ? `compare:metrics:${scope}` : null, (s) =>
    apiGet<MetricsResponse>('/v1/metrics', { service: scope }, s),
  );
  const list = metrics.state.data?.metrics ?? [];
  return {
    services: names,
    metrics: list.map((m) => m.name),
    tagKeys: [...new Set(list.flatMap((m) => m.tagKeys))].sort(),
  };
}

const ROWS: { key: 'count' | 'mean' | 'p50' | 'p95' | 'p99' | 'rate'; label: string; diff?: string }[] = [
  { key: 'count', label: 'samples' },
  { key: 'mean', label: 'mean', diff: 'mean' },
  { key: 'p50', label: 'p50', diff: 'p50' },
  { key: 'p95', label: 'p95', diff: 'p95' },
  { key: 'p99', label: 'p99', diff: 'p99' },
  { key: 'rate', label: 'rate (/s)', diff: 'rate' },
];

function CompareResult({ result }: { result: CompareResponse }): ReactNode {
  const { a, b, difference: d, significance: s } = result;
  // Both the per-step means and the percentiles are in the metric's own unit.
  const unit = unitOf(result.metric, 'avg', false);
  const diff = d as Record<string, number | null>;
  const verdict =
    s.significant === null
      ? `No verdict: ${s.note ?? 'not enough data'}`
      : s.significant
        ? `The difference is significant (p = ${formatNumber(s.pValue)} < α = ${s.alpha})`
        : `No significant difference (p = ${formatNumber(s.pValue)} ≥ α = ${s.alpha})`;
  return (
    <div className="compare-result" data-testid="compare-result">
      <p
        className={`verdict ${s.significant ? 'verdict-yes' : 'verdict-no'}`}
        data-testid="compare-verdict"
        data-significant={String(s.significant)}
      >
        <strong>{verdict}.</strong> B − A on the mean: {formatNumber(diff.mean)} (
        {formatPercent(pct(diff.meanPercent))}).
      </p>
      <div className="card">
        <TimeSeriesChart
          title={`${result.metric}: ${a.side} and ${b.side}`}
          series={[
            { label: `A ${a.side}`, points: a.points },
            { label: `B ${b.side}`, points: b.points },
          ]}
          xRange={[result.from, result.to]}
          unit={unit}
          height={260}
        />
      </div>
      <div className="compare-numbers">
        <div className="table-scroll">
          <table className="data-table compare-table" data-testid="compare-table">
            <thead>
              <tr>
                <th scope="col" />
                <th scope="col">A {a.side}</th>
                <th scope="col">B {b.side}</th>
                <th scope="col">B − A</th>
              </tr>
            </thead>
            <tbody>
              {ROWS.map((r) => (
                <tr key={r.key} data-row={r.key}>
                  <th scope="row">{r.label}</th>
                  <td className="num" data-value={a[r.key] ?? ''}>
                    {formatNumber(a[r.key])}
                  </td>
                  <td className="num" data-value={b[r.key] ?? ''}>
                    {formatNumber(b[r.key])}
                  </td>
                  <td className="num">
                    {r.diff ? (
                      <>
                        {formatNumber(diff[r.diff])}{' '}
                        <span className="diff-percent">({formatPercent(pct(diff[`${r.diff}Percent`]))})</span>
                      </>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <dl className="significance" data-testid="compare-significance">
          <dt>Test</dt>
          <dd>Welch&apos;s t-test on {s.on}</dd>
          <dt>t</dt>
          <dd>{formatNumber(s.t)}</dd>
          <dt>degrees of freedom</dt>
          <dd>{formatNumber(s.df)}</dd>
          <dt>p-value</dt>
          <dd>{formatNumber(s.pValue)}</dd>
          <dt>steps compared</dt>
          <dd>
            {s.samplesA} (A), {s.samplesB} (B)
          </dd>
        </dl>
      </div>
      <div className="card">
        <h2 className="card-title">Percentiles</h2>
        <StatBars a={a} b={b} unit={unit} />
      </div>
    </div>
  );
}

/** The API gives percents (12.5 for +12.5 %); formatPercent takes fractions. */
function pct(percent: number | null | undefined): number | null {
  return percent === null || percent === undefined ? null : percent / 100;
}
