import type { ReactNode } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import type { CompareSide } from '../api/types';
import { colorOf } from './series';
import { formatValue } from './units';

const STATS = ['mean', 'p50', 'p95', 'p99'] as const;

/**
 * The two sides' mean and percentiles as grouped bars (Recharts: a handful of bars, where SVG,
 * tooltips and a legend come for free).
 */
export function StatBars({ a, b, unit = '' }: { a: CompareSide; b: CompareSide; unit?: string }): ReactNode {
  const data = STATS.map((stat) => ({ stat, A: a[stat], B: b[stat] }));
  return (
    <div className="stat-bars" data-testid="stat-bars" data-values={JSON.stringify(data)}>
      <ResponsiveContainer width="100%" height={220}>
        <BarChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
          <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" vertical={false} />
          <XAxis dataKey="stat" stroke="var(--text-muted)" />
          <YAxis stroke="var(--text-muted)" tickFormatter={(v: number) => formatValue(v, unit)} width={64} />
          <Tooltip
            formatter={(v) => formatValue(typeof v === 'number' ? v : Number(v), unit)}
            contentStyle={{
              background: 'var(--surface)',
              border: '1px solid var(--border)',
              color: 'var(--text)',
            }}
          />
          <Legend />
          <Bar dataKey="A" name={`A ${a.side}`} fill={colorOf(0)} isAnimationActive={false} />
          <Bar dataKey="B" name={`B ${b.side}`} fill={colorOf(1)} isAnimationActive={false} />
        </BarChart>
      </ResponsiveContainer>
    </div>
  );
}
