import type { ReactNode } from 'react';
import { formatTime } from '../time/format';

const MAX_ROWS = 1000;
const number = new Intl.NumberFormat('en', { maximumFractionDigits: 4 });

/**
 * A query answer as a table; the time column in local time, numbers with up to 4 decimals. `cell`
 * may draw a cell its own way (a link), by returning something other than undefined.
 */
export function DataTable({
  columns,
  rows,
  timeColumn = -1,
  cell,
  testId = 'data-table',
}: {
  columns: readonly string[];
  rows: readonly (string | number | null)[][];
  timeColumn?: number;
  cell?: (row: number, column: number) => ReactNode;
  testId?: string;
}): ReactNode {
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className="table-scroll">
      <table className="data-table" data-testid={testId}>
        <thead>
          <tr>
            {columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.map((row, r) => (
            <tr key={r}>
              {row.map((v, i) => {
                const custom = cell?.(r, i);
                return (
                  <td key={i} className={typeof v === 'number' ? 'num' : undefined} data-value={v ?? ''}>
                    {custom !== undefined
                      ? custom
                      : v === null
                        ? '—'
                        : i === timeColumn
                          ? formatTime(v as number)
                          : typeof v === 'number'
                            ? number.format(v)
                            : v}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {rows.length > MAX_ROWS ? (
        <p className="muted small">
          Showing the first {MAX_ROWS} of {rows.length} rows.
        </p>
      ) : null}
    </div>
  );
}
