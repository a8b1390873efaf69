import type uPlot from 'uplot';
import type { ExemplarsResponse } from '../api/types';
import type { ChartSeries } from './series';

/** An exemplar as a chart draws it: a dot at (time, value) that opens its trace. */
export interface ChartExemplar {
  readonly time: number;
  readonly value: number;
  readonly traceId: string;
  /** What the dot says on hover. */
  readonly title: string;
}

/** Aggregations whose steps are in the samples' own unit, so an exemplar's value sits on the same axis. */
const SAME_UNIT = new Set(['avg', 'min', 'max', 'last', 'p50', 'p90', 'p95', 'p99']);

/**
 * Where a chart draws a metric's exemplars. On a chart of values (a mean, a percentile) at the
 * exemplar's own value; on a chart of a rate, sum or count, whose axis is not the samples' unit,
 * on its series' line at the step that holds it. Exemplars without a trace id link nowhere and are
 * left out, as are those whose series is not drawn.
 */
export function placeExemplars(
  exemplars: readonly Pick<ExemplarsResponse['exemplars'][number], 'tags' | 'time' | 'value' | 'traceId'>[],
  options: {
    readonly agg: string;
    readonly stepMs: number;
    readonly series: readonly ChartSeries[];
    /** The label of the line an exemplar of these tags belongs to. */
    readonly lineOf: (tags: Record<string, string>) => string;
  },
): ChartExemplar[] {
  const onLine = !SAME_UNIT.has(options.agg);
  const lines = new Map(options.series.map((s) => [s.label, s]));
  const out: ChartExemplar[] = [];
  for (const e of exemplars) {
    if (!e.traceId) continue;
    let value = e.value;
    if (onLine) {
      const step = Math.floor(e.time / options.stepMs) * options.stepMs;
      const point = lines.get(options.lineOf(e.tags))?.points.find((p) => p[0] === step);
      if (!point) continue;
      value = point[1];
    }
    const tags = Object.entries(e.tags)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ');
    out.push({
      time: e.time,
      value,
      traceId: e.traceId,
      title: `${e.value}${tags ? ` (${tags})` : ''}: open trace ${e.traceId}`,
    });
  }
  return out;
}

/**
 * Draws the exemplars over a uPlot chart as links (real anchors: they can be tabbed to, opened in
 * a new tab, and found by tests), in a layer of the plot area rebuilt on each draw. Exemplars
 * outside the drawn window are not shown.
 */
export function drawExemplars(
  u: uPlot,
  exemplars: readonly ChartExemplar[],
  open: (href: string) => void,
): number {
  let layer = u.over.querySelector<HTMLDivElement>(':scope > .exemplar-layer');
  if (!layer) {
    layer = document.createElement('div');
    layer.className = 'exemplar-layer';
    u.over.appendChild(layer);
  }
  layer.replaceChildren();
  const width = u.over.clientWidth || u.bbox.width;
  const height = u.over.clientHeight || u.bbox.height;
  let drawn = 0;
  for (const e of exemplars) {
    const x = u.valToPos(e.time, 'x');
    const y = u.valToPos(e.value, 'y');
    if (!Number.isFinite(x) || !Number.isFinite(y) || x < 0 || x > width || y < 0 || y > height) continue;
    const a = document.createElement('a');
    const href = `/traces/${encodeURIComponent(e.traceId)}`;
    a.href = href;
    a.className = 'exemplar';
    a.style.left = `${x}px`;
    a.style.top = `${y}px`;
    a.title = e.title;
    a.setAttribute('aria-label', `Exemplar ${e.title}`);
    a.dataset.traceId = e.traceId;
    a.dataset.testid = 'exemplar';
    a.addEventListener('click', (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      open(href);
    });
    layer.appendChild(a);
    drawn++;
  }
  return drawn;
}
