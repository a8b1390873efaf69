import { useEffect, useMemo, useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useTheme, themeColor } from '../app/theme';
import { formatNumber } from '../time/format';
import { markFirstChart } from './first-chart';
import { alignSeries, colorOf, summarize, type ChartSeries } from './series';
import { takeLiveMark } from './live-mark';

export interface TimeSeriesChartProps {
  /** What the chart shows, for screen readers and the figure caption. */
  readonly title: string;
  readonly series: readonly ChartSeries[];
  readonly height?: number;
  readonly format?: (value: number) => string;
  /** The x-axis extent (epoch ms), e.g. the query's range, so an empty end is shown as empty. */
  readonly xRange?: readonly [number, number];
}

/**
 * A time-series line chart on canvas (uPlot): thousands of points draw in milliseconds and new
 * points are appended without rebuilding it. What it holds is summarized on `data-*` attributes
 * (series, point counts, first/last points, min/max) so tests read data, not pixels.
 *
 * The Performance timeline gets `vantage:chart-draw` for each full draw and `vantage:live-append`
 * from a stream message to the draw that shows it (the benchmark reads both).
 */
export function TimeSeriesChart({
  title,
  series,
  height = 220,
  format = formatNumber,
  xRange,
}: TimeSeriesChartProps): ReactNode {
  const holder = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [theme] = useTheme();
  /** When new data reached the chart (not yet drawn): draw measures run from here. */
  const dataArrived = useRef<number | undefined>(undefined);
  const data = useMemo(() => {
    dataArrived.current = performance.now();
    return alignSeries(series);
  }, [series]);
  const shape = series.map((s) => s.label).join('\u0000');
  const summary = useMemo(() => summarize(series), [series]);
  const total = summary.reduce((n, s) => n + s.points, 0);
  const rangeRef = useRef(xRange);
  rangeRef.current = xRange;
  /** When the data now being drawn was handed to uPlot, for `vantage:chart-draw`. */
  const drawStart = useRef<number | undefined>(undefined);

  // Built again when the set of lines, the theme or the size class changes; else only fed data.
  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const text = themeColor('--text-muted', '#666');
    const grid = themeColor('--grid', 'rgba(128,128,128,0.15)');
    const axis = (values?: uPlot.Axis['values']): uPlot.Axis => ({
      stroke: text,
      grid: { stroke: grid, width: 1 },
      ticks: { stroke: grid, width: 1 },
      ...(values ? { values } : {}),
    });
    drawStart.current = dataArrived.current ?? performance.now();
    dataArrived.current = undefined;
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height,
      ms: 1,
      legend: { show: series.length > 1, live: true },
      cursor: { points: { size: 6 } },
      scales: {
        x: {
          time: true,
          range: (_u, min, max) => {
            const r = rangeRef.current;
            return r ? [Math.min(min, r[0]), Math.max(max, r[1])] : [min, max];
          },
        },
      },
      axes: [axis(), axis((_u, ticks) => ticks.map((v) => format(v)))],
      series: [
        { label: 'time' },
        ...series.map((s, i) => ({
          label: s.label,
          stroke: colorOf(i),
          width: 1.5,
          points: { show: false },
          value: (_u: uPlot, v: number | null) => (v === null ? '—' : format(v)),
        })),
      ],
      hooks: {
        draw: [
          (u) => {
            const points = u.data.slice(1).reduce((n, ys) => n + ys.length, 0);
            if (drawStart.current !== undefined) {
              performance.measure('vantage:chart-draw', { start: drawStart.current, detail: { points } });
              drawStart.current = undefined;
            }
            const live = takeLiveMark();
            if (live !== undefined) {
              performance.measure('vantage:live-append', { start: live, detail: { points } });
            }
          },
        ],
      },
    };
    const u = new uPlot(opts, data as uPlot.AlignedData, el);
    plot.current = u;
    if (total > 0) markFirstChart();
    const observer = new ResizeObserver(() => {
      const width = Math.max(200, el.clientWidth);
      if (width !== u.width) u.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
    // `data` is fed by the effect below: rebuilding for new data would lose the user's zoom.
  }, [shape, theme, height]);

  useEffect(() => {
    const u = plot.current;
    if (!u || u.data === (data as unknown)) return;
    drawStart.current = dataArrived.current ?? performance.now();
    dataArrived.current = undefined;
    u.setData(data as uPlot.AlignedData);
    if (total > 0) markFirstChart();
  }, [data, total]);

  return (
    <figure
      className="chart"
      aria-label={title}
      data-testid="timeseries-chart"
      data-title={title}
      data-series-count={series.length}
      data-points={total}
      data-summary={JSON.stringify(summary)}
    >
      <div ref={holder} className="chart-canvas" style={{ minHeight: height }} />
      {total === 0 ? <div className="chart-empty muted">No data in this range</div> : null}
    </figure>
  );
}
