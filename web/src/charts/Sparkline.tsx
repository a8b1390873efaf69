import { useEffect, type ReactNode } from 'react';
import type { Point } from '../api/types';
import { markFirstChart } from './first-chart';

const WIDTH = 120;
const HEIGHT = 28;

/**
 * A small trend line without axes, for a table cell: plain SVG, which for a few dozen points is
 * lighter than any chart library. Its points are on `data-*` attributes for tests and tools.
 */
export function Sparkline({ points, label }: { points: readonly Point[]; label: string }): ReactNode {
  useEffect(() => {
    if (points.length > 0) markFirstChart();
  }, [points.length]);
  if (points.length === 0) return <span className="sparkline-empty muted">no data</span>;
  const ts = points.map((p) => p[0]);
  const vs = points.map((p) => p[1]);
  const [t0, t1] = [Math.min(...ts), Math.max(...ts)];
  const [v0, v1] = [Math.min(...vs), Math.max(...vs)];
  const x = (t: number): number => (t1 === t0 ? WIDTH / 2 : ((t - t0) / (t1 - t0)) * (WIDTH - 2) + 1);
  const y = (v: number): number =>
    v1 === v0 ? HEIGHT / 2 : HEIGHT - 2 - ((v - v0) / (v1 - v0)) * (HEIGHT - 4);
  const d = points
    .map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[1]).toFixed(1)}`)
    .join('');
  const last = points[points.length - 1] as Point;
  return (
    <svg
      className="sparkline"
      viewBox={`0 0 ${WIDTH} ${HEIGHT}`}
      width={WIDTH}
      height={HEIGHT}
      role="img"
      aria-label={label}
      data-testid="sparkline"
      data-points={points.length}
      data-last={last[1]}
      data-max={v1}
    >
      <title>{label}</title>
      <path d={d} fill="none" />
      <circle cx={x(last[0])} cy={y(last[1])} r={2} />
    </svg>
  );
}
