import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { navigate } from '../app/router';
import { themeColor } from '../app/theme';
import { themedAxis, valueAxis } from './axes';
import { markFirstChart } from './first-chart';
import type { AlertMarker } from '../alerts/alerts-view';
import { drawAlertMarkers } from './alert-markers';
import { drawExemplars, type ChartExemplar } from './exemplars';
import { drawInProgress, solidUntil } from './in-progress';
import { alignSeries, colorOf, summarize, type ChartSeries } from './series';
import { takeLiveMark } from './live-mark';
import { formatValue } from './units';
import { useUPlot } from './use-uplot';

const NO_EXEMPLARS: readonly ChartExemplar[] = [];
const NO_MARKERS: readonly AlertMarker[] = [];

export interface TimeSeriesChartProps {
  /** What the chart shows, for screen readers and the figure caption. */
  readonly title: string;
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  /** The values' unit (see units.ts), written on the axis and in the legend. */
  readonly unit?: string;
  /** The x-axis extent (epoch ms), e.g. the query's range, so an empty end is shown as empty. */
  readonly xRange?: readonly [number, number];
  /** Steps from here on (epoch ms) are still filling: drawn dashed, not as final values. */
  readonly inProgressFrom?: number;
  /** What to say when there is nothing to draw. */
  readonly empty?: ReactNode;
  /** Dots that link to traces (see exemplars.ts). */
  readonly exemplars?: readonly ChartExemplar[];
  /** Firing and resolved times of alerts, drawn as vertical rules (see alert-markers.ts). */
  readonly alertMarkers?: readonly AlertMarker[];
}

/**
 * A time-series line chart on canvas (uPlot): thousands of points draw in milliseconds and new
 * points are appended without rebuilding it. What it holds is summarized on `data-*` attributes
 * (series, point counts, first/last points, min/max) so tests read data, not pixels.
 *
 * After each draw, `data-drawn-x` holds the x span uPlot drew ("min,max" in epoch ms), and
 * `data-drawn-exemplars` how many exemplar dots are in view, `data-drawn-alert-markers` how many
 * alert markers.
 *
 * The Performance timeline gets `vantage:chart-draw` for each full draw (from the data reaching
 * the chart's effect: aligning the series, building or feeding uPlot, drawing) and
 * `vantage:live-append` from a stream message to the draw that shows it (the benchmark reads both).
 */
export function TimeSeriesChart({
  title,
  series,
  height = 220,
  unit = '',
  xRange,
  inProgressFrom,
  empty = 'No data in this range',
  exemplars = NO_EXEMPLARS,
  alertMarkers = NO_MARKERS,
}: TimeSeriesChartProps): ReactNode {
  const holder = useRef<HTMLDivElement>(null);
  /** The lines uPlot was last given, so that the same data is never drawn twice. */
  const fed = useRef<readonly ChartSeries[] | null>(null);
  /** What uPlot's callbacks read (the x extent, the step in progress), as of the last render. */
  const view = useRef({ xRange, inProgressFrom, exemplars, alertMarkers });
  /** The step in progress that uPlot's lines were last cut at. */
  const cutAt = useRef<number | undefined>(undefined);
  /** When the data now being drawn reached the chart, for `vantage:chart-draw`. */
  const drawStart = useRef<number | undefined>(undefined);
  const shape = series.map((s) => s.label).join('\u0000');
  const summary = useMemo(() => summarize(series), [series]);
  const total = summary.reduce((n, s) => n + s.points, 0);
  const live = inProgressFrom !== undefined;

  // Declared first, so that the effects below (and uPlot's callbacks they trigger) see this render's.
  useEffect(() => {
    view.current = { xRange, inProgressFrom, exemplars, alertMarkers };
  });

  // A new uPlot with the lines as they are now, built again when the set of lines, the unit, live
  // mode, the theme or the height changes; new data alone is fed to it (below), not rebuilt.
  const plot = useUPlot(
    holder,
    (el, width): uPlot => {
      drawStart.current = performance.now();
      const surface = themeColor('--surface', '#fff');
      const linear = uPlot.paths.linear?.();
      const opts: uPlot.Options = {
        width,
        height,
        ms: 1,
        legend: { show: series.length > 1, live: true },
        cursor: { points: { size: 6 } },
        scales: {
          x: {
            time: true,
            range: (_u, min, max) => {
              const r = view.current.xRange;
              const [lo, extent] = r ? [Math.min(min, r[0]), Math.max(max, r[1])] : [min, max];
              // An alert that fired in the step in progress (left out of the lines) still shows:
              // the markers come from the view's own time range, so they widen it only to its end.
              let hi = extent;
              for (const m of view.current.alertMarkers) if (m.time >= lo) hi = Math.max(hi, m.time);
              return [lo, hi];
            },
          },
          // Room for the exemplars in view: a slow request's dot sits well above a mean's line.
          y: {
            range: (u, min, max): uPlot.Range.MinMax => {
              let lo: number | null = min;
              let hi: number | null = max;
              const { min: x0, max: x1 } = u.scales.x ?? {};
              for (const e of view.current.exemplars) {
                if (x0 != null && x1 != null && (e.time < x0 || e.time > x1)) continue;
                lo = lo === null ? e.value : Math.min(lo, e.value);
                hi = hi === null ? e.value : Math.max(hi, e.value);
              }
              return lo === null || hi === null ? [null, null] : uPlot.rangeNum(lo, hi, 0.1, true);
            },
          },
        },
        axes: [themedAxis(), valueAxis(unit)],
        series: [
          { label: 'time' },
          ...series.map((s, i): uPlot.Series => ({
            label: s.label,
            stroke: colorOf(i),
            width: 1.5,
            points: { show: false },
            value: (_u: uPlot, v: number | null) => formatValue(v, unit),
            // Solid up to the last step that is over; drawInProgress dashes the rest.
            ...(live && linear
              ? {
                  paths: (u, si, i0, i1) => {
                    const end = solidUntil(u.data[0], view.current.inProgressFrom, i0, i1);
                    return end > i0 ? linear(u, si, i0, end) : null;
                  },
                }
              : {}),
          })),
        ],
        hooks: {
          draw: [
            (u) => {
              if (live) drawInProgress(u, view.current.inProgressFrom, surface);
              // The time span actually drawn, for tests: data that never reaches the canvas shows here.
              const { min, max } = u.scales.x ?? {};
              el.parentElement?.setAttribute(
                'data-drawn-x',
                min != null && max != null ? `${min},${max}` : '',
              );
              const dots = drawExemplars(u, view.current.exemplars, (href) => navigate(href));
              el.parentElement?.setAttribute('data-drawn-exemplars', String(dots));
              const marks = drawAlertMarkers(u, view.current.alertMarkers, (href) => navigate(href));
              el.parentElement?.setAttribute('data-drawn-alert-markers', String(marks));
              const points = u.data.slice(1).reduce((n, ys) => n + ys.length, 0);
              if (drawStart.current !== undefined) {
                performance.measure('vantage:chart-draw', { start: drawStart.current, detail: { points } });
                drawStart.current = undefined;
              }
              const appended = takeLiveMark();
              if (appended !== undefined) {
                performance.measure('vantage:live-append', { start: appended, detail: { points } });
              }
            },
          ],
        },
      };
      fed.current = series;
      cutAt.current = inProgressFrom;
      const u = new uPlot(opts, alignSeries(series) as uPlot.AlignedData, el);
      if (total > 0) markFirstChart();
      return u;
    },
    `${shape}\u0000${unit}\u0000${String(live)}`,
    height,
  );

  useEffect(() => {
    const u = plot.current;
    if (!u || fed.current === series) return;
    drawStart.current = performance.now();
    fed.current = series;
    u.setData(alignSeries(series) as uPlot.AlignedData);
    if (total > 0) markFirstChart();
  }, [plot, series, total]);

  // A step that was in progress is over: draw it solid (the paths are cut at the new boundary).
  // Not for a chart just built with this boundary: a redraw before uPlot's first draw would undo
  // its automatic x range.
  useEffect(() => {
    const u = plot.current;
    if (!u || cutAt.current === inProgressFrom) return;
    cutAt.current = inProgressFrom;
    u.redraw(true, false);
  }, [plot, inProgressFrom]);

  // New exemplars (they load apart from the lines): the value scale is ranged again to hold them.
  const drewExemplars = useRef(exemplars);
  useEffect(() => {
    const u = plot.current;
    if (!u || drewExemplars.current === exemplars) return;
    drewExemplars.current = exemplars;
    u.setData(u.data, true);
  }, [plot, exemplars]);

  // New alert markers (they load apart from the lines): the time scale is ranged again to hold them.
  const drewMarkers = useRef(alertMarkers);
  useEffect(() => {
    const u = plot.current;
    if (!u || drewMarkers.current === alertMarkers) return;
    drewMarkers.current = alertMarkers;
    u.setData(u.data, true);
  }, [plot, alertMarkers]);

  return (
    <figure
      className="chart"
      aria-label={title}
      data-testid="timeseries-chart"
      data-title={title}
      data-series-count={series.length}
      data-points={total}
      data-unit={unit}
      data-in-progress-from={inProgressFrom}
      data-summary={JSON.stringify(summary)}
      data-exemplars={exemplars.length}
      data-alert-markers={alertMarkers.length}
    >
      <div ref={holder} className="chart-canvas" style={{ minHeight: height }} />
      {total === 0 ? <div className="chart-empty muted">{empty}</div> : null}
    </figure>
  );
}
