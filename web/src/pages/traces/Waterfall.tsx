import type { ReactNode } from 'react';
import { colorOf } from '../../charts/series';
import { formatMs } from '../../time/format';
import { visibleRows, type Waterfall as Layout } from '../../traces/waterfall';

const TICKS = 5;

/**
 * A trace's spans as bars on its time axis, one row each, indented under their parents, coloured
 * by service. The critical path is drawn over the bars as a dark band; a span with an error has a
 * red mark. A row is a button that selects its span; a span with children folds them away.
 * What is drawn is on `data-*` attributes (span id, depth, critical ms) for tests.
 */
export function Waterfall({
  layout,
  selected,
  folded,
  onSelect,
  onFold,
}: {
  layout: Layout;
  selected: string | undefined;
  folded: ReadonlySet<string>;
  onSelect: (spanId: string) => void;
  onFold: (spanId: string) => void;
}): ReactNode {
  const total = Math.max(layout.durationMs, 1e-6);
  const pct = (ms: number): string => `${Math.min(100, Math.max(0, (ms / total) * 100))}%`;
  const colour = new Map(layout.services.map((s, i) => [s, colorOf(i)]));
  const rows = visibleRows(layout.rows, folded);
  return (
    <div
      className="waterfall"
      data-testid="waterfall"
      data-rows={rows.length}
      role="table"
      aria-label="Spans"
    >
      <div className="wf-row wf-head" role="row">
        <div className="wf-name" role="columnheader">
          Span
        </div>
        <div className="wf-track" role="columnheader">
          {Array.from({ length: TICKS + 1 }, (_, i) => (
            <span key={i} className="wf-tick" style={{ left: `${(i / TICKS) * 100}%` }}>
              {formatMs((total * i) / TICKS)}
            </span>
          ))}
        </div>
      </div>
      {rows.map((row) => {
        const { span } = row;
        const criticalMs = row.critical.reduce((n, s) => n + (s.toMs - s.fromMs), 0);
        const isFolded = folded.has(span.spanId);
        return (
          <div
            key={span.spanId}
            className={`wf-row${selected === span.spanId ? ' wf-selected' : ''}`}
            role="row"
            data-span-id={span.spanId}
            data-depth={row.depth}
            data-critical-ms={criticalMs}
            data-status={span.status}
            aria-selected={selected === span.spanId}
          >
            <div
              className="wf-name"
              role="cell"
              style={{ paddingLeft: `${0.25 + Math.min(row.depth, 24) * 0.9}rem` }}
            >
              {row.hasChildren ? (
                <button
                  type="button"
                  className="wf-fold"
                  aria-expanded={!isFolded}
                  aria-label={`${isFolded ? 'Unfold' : 'Fold'} the spans under ${span.name}`}
                  onClick={() => onFold(span.spanId)}
                >
                  {isFolded ? '▸' : '▾'}
                </button>
              ) : (
                <span className="wf-fold-space" />
              )}
              <button
                type="button"
                className="wf-label"
                onClick={() => onSelect(span.spanId)}
                title={`${span.service}: ${span.name}`}
              >
                <span className="wf-service" style={{ borderColor: colour.get(span.service) }}>
                  {span.service}
                </span>{' '}
                {span.name}
                {span.status === 'error' ? (
                  <span className="span-error" aria-label="error">
                    {' '}
                    ●
                  </span>
                ) : null}
              </button>
            </div>
            <div className="wf-track" role="cell" onClick={() => onSelect(span.spanId)}>
              <span
                className="wf-bar"
                style={{
                  left: pct(row.offsetMs),
                  width: `max(2px, ${pct(span.durationMs)})`,
                  background: colour.get(span.service),
                }}
              />
              {row.critical.map((s) => (
                <span
                  key={s.fromMs}
                  className="wf-critical"
                  style={{ left: pct(s.fromMs), width: pct(s.toMs - s.fromMs) }}
                />
              ))}
              <DurationLabel offsetMs={row.offsetMs} durationMs={span.durationMs} totalMs={total} />
            </div>
          </div>
        );
      })}
    </div>
  );
}

/**
 * A span's duration beside its bar: after it where there is room, else before it, else inside its
 * end (a long span that starts early and ends late), so that it is never cut off at the edge.
 */
function DurationLabel({
  offsetMs,
  durationMs,
  totalMs,
}: {
  offsetMs: number;
  durationMs: number;
  totalMs: number;
}): ReactNode {
  const start = (offsetMs / totalMs) * 100;
  const end = Math.min(100, ((offsetMs + durationMs) / totalMs) * 100);
  const [className, style] =
    end <= 80
      ? ['wf-duration', { left: `calc(${end}% + 4px)` }]
      : start >= 30
        ? ['wf-duration', { right: `calc(${100 - start}% + 4px)` }]
        : ['wf-duration wf-duration-inside', { right: `calc(${100 - end}% + 4px)` }];
  return (
    <span className={`${className} small`} style={style}>
      {formatMs(durationMs)}
    </span>
  );
}

/** Which colour each service has in the waterfall, as a legend. */
export function ServiceLegend({ services }: { services: readonly string[] }): ReactNode {
  return (
    <ul className="wf-legend" aria-label="Services">
      {services.map((s, i) => (
        <li key={s}>
          <span className="wf-swatch" style={{ background: colorOf(i) }} />
          {s}
        </li>
      ))}
      <li>
        <span className="wf-swatch wf-swatch-critical" />
        critical path
      </li>
    </ul>
  );
}
