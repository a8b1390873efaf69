import { useRef, type ReactNode } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { CompareSide } from '../api/types';
import { themedAxis, valueAxis } from './axes';
import { colorOf } from './series';
import { formatValue } from './units';
import { useUPlot } from './use-uplot';

const STATS = ['mean', 'p50', 'p95', 'p99'] as const;
const HEIGHT = 220;

/**
 * The two sides' mean and percentiles as grouped bars: A to the left of each statistic's tick, B
 * to its right, drawn by uPlot like every other chart. Hovering a statistic shows both values in
 * the legend. After each draw, `data-drawn-bars` holds how many bars reached the canvas.
 */
export function StatBars({ a, b, unit = '' }: { a: CompareSide; b: CompareSide; unit?: string }): ReactNode {
  const data = STATS.map((stat) => ({ stat, A: a[stat], B: b[stat] }));
  const values = JSON.stringify(data);
  const holder = useRef<HTMLDivElement>(null);

  // Four pairs of bars: any change rebuilds the chart, which costs less than tracking what changed.
  useUPlot(
    holder,
    (el, width): uPlot => {
      /** Bars in the paths uPlot last built, per series (it keeps paths across redraws). */
      const drawn = new Map<number, number>();
      const bars = (align: -1 | 1): uPlot.Series.PathBuilder | undefined => {
        const build = uPlot.paths.bars?.({
          align,
          size: [0.4, 120],
          gap: 1,
          each: (_u, si) => {
            drawn.set(si, (drawn.get(si) ?? 0) + 1);
          },
        });
        return build
          ? (u, si, i0, i1) => {
              drawn.set(si, 0);
              return build(u, si, i0, i1);
            }
          : undefined;
      };
      const side = (label: string, i: number, align: -1 | 1): uPlot.Series => ({
        label,
        fill: colorOf(i),
        stroke: colorOf(i),
        width: 0,
        paths: bars(align),
        points: { show: false },
        // From zero, also when a value is negative (a scale's minimum is uPlot's default).
        fillTo: () => 0,
        value: (_u, v: number | null) => formatValue(v, unit),
      });
      const opts: uPlot.Options = {
        width,
        height: HEIGHT,
        legend: { show: true, live: true },
        // Nothing to zoom into: dragging would only hide bars.
        cursor: { drag: { x: false, y: false }, points: { show: false } },
        scales: {
          x: { time: false, range: () => [-0.5, STATS.length - 0.5] },
          y: {
            range: (_u, min, max) =>
              min === null || max === null
                ? [0, 1]
                : uPlot.rangeNum(Math.min(0, min), Math.max(0, max), 0.1, true),
          },
        },
        axes: [
          themedAxis({
            splits: () => STATS.map((_, i) => i),
            values: (_u, ticks) => ticks.map((i) => STATS[i] ?? ''),
            grid: { show: false },
          }),
          valueAxis(unit),
        ],
        series: [
          { label: 'statistic', value: (_u, i: number | null) => (i === null ? '—' : (STATS[i] ?? '')) },
          side(`A ${a.side}`, 0, -1),
          side(`B ${b.side}`, 1, 1),
        ],
        hooks: {
          draw: [
            () =>
              el.parentElement?.setAttribute(
                'data-drawn-bars',
                String([...drawn.values()].reduce((n, c) => n + c, 0)),
              ),
          ],
        },
      };
      return new uPlot(
        opts,
        [STATS.map((_, i) => i), data.map((d) => d.A), data.map((d) => d.B)] as uPlot.AlignedData,
        el,
      );
    },
    `${values}\u0000${unit}\u0000${a.side}\u0000${b.side}`,
    HEIGHT,
  );

  return (
    <figure
      className="chart stat-bars"
      aria-label={`Mean and percentiles, A ${a.side} and B ${b.side}`}
      data-testid="stat-bars"
      data-values={values}
      data-unit={unit}
    >
      <div ref={holder} className="chart-canvas" style={{ minHeight: HEIGHT }} />
    </figure>
  );
}
