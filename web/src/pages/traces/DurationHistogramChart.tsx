import type { ReactNode } from 'react';
import { formatMs } from '../../time/format';
import type { DurationHistogram } from '../../traces/duration-histogram';

const HEIGHT = 120;

/**
 * The search's durations as bars, in SVG (a few dozen bars need no chart library). A bar is a
 * button: it narrows the search to its durations. Its bins are on `data-*` attributes for tests.
 */
export function DurationHistogramChart({
  histogram,
  onPick,
}: {
  histogram: DurationHistogram;
  onPick: (fromMs: number, toMs: number) => void;
}): ReactNode {
  const { bins, log } = histogram;
  const most = Math.max(1, ...bins.map((b) => b.count));
  const total = bins.reduce((n, b) => n + b.count, 0);
  return (
    <figure
      className="chart duration-histogram"
      aria-label="Trace durations"
      data-testid="duration-histogram"
      data-total={total}
      data-bins={JSON.stringify(bins.map((b) => b.count))}
    >
      {/* Stretched to the width: bar i spans [i, i + 1] of `bins.length` units, so no text inside. */}
      <svg
        width="100%"
        height={HEIGHT}
        viewBox={`0 0 ${Math.max(1, bins.length)} ${HEIGHT}`}
        preserveAspectRatio="none"
        role="group"
        aria-label="Durations of the traces found"
      >
        {bins.map((b, i) => {
          const h = b.count === 0 ? 0 : Math.max(2, (b.count / most) * (HEIGHT - 4));
          const label = `${b.count} trace${b.count === 1 ? '' : 's'} from ${formatMs(b.from)} to ${formatMs(b.to)}`;
          return (
            <g key={i}>
              <title>{label}</title>
              <rect className="hist-bar" x={i + 0.06} y={HEIGHT - h} width={0.88} height={h} />
              {/* The whole column is the target, so a bin of one trace is not a sliver to hit. */}
              <rect
                className="hist-hit"
                x={i}
                y={0}
                width={1}
                height={HEIGHT}
                onClick={() => {
                  if (b.count > 0) onPick(b.from, b.to);
                }}
                role="button"
                aria-label={label}
              />
            </g>
          );
        })}
      </svg>
      <figcaption className="hist-axis muted small">
        <span>{formatMs(bins[0]?.from)}</span>
        <span>{log ? 'duration, log scale' : 'duration'}</span>
        <span>{formatMs(bins.at(-1)?.to)}</span>
      </figcaption>
    </figure>
  );
}
