import { ClickHouseError } from '@clickhouse/client';
import { clampedQuantile } from '../../core/index.js';
import type { VqlRow, VqlValue } from '../../query/index.js';
import type { CompiledClickHouse, SketchAliases } from './clickhouse-compiler.js';
import { sketchFromColumns } from './rows.js';

/** A result row of a compiled VQL query, as JSONEachRow gives it. */
export type RawVqlRow = Readonly<Record<string, unknown>>;

/**
 * A store row for shapeVqlAnswer: keyed by the plan's ids, numbers as numbers (64-bit integers
 * may arrive as JSON strings), and each percentile the quantile of the row's merged sketch,
 * rebuilt once per row from the summed bucket maps and clamped into [min, max] by the same core
 * code the SQLite store uses.
 */
export function toVqlRow(raw: RawVqlRow, compiled: CompiledClickHouse): VqlRow {
  const out: Record<string, VqlValue> = {};
  let sketch: { min: number; max: number; sketch: ReturnType<typeof sketchFromColumns> } | undefined;
  for (const [id, column] of Object.entries(compiled.columns)) {
    if (column.kind === 'quantile') {
      sketch ??= mergedSketch(raw, compiled.sketch);
      out[id] = clampedQuantile(sketch.sketch, column.quantile, sketch.min, sketch.max) ?? null;
      continue;
    }
    const value = raw[column.alias];
    if (value === null || value === undefined) out[id] = null;
    else if (column.kind === 'text') out[id] = String(value);
    else out[id] = Number(value);
  }
  return out;
}

function mergedSketch(
  raw: RawVqlRow,
  aliases: SketchAliases | undefined,
): { min: number; max: number; sketch: ReturnType<typeof sketchFromColumns> } {
  if (aliases === undefined) throw new RangeError('a percentile column without the merged sketch');
  const map = (alias: string): Record<string, number> => (raw[alias] ?? {}) as Record<string, number>;
  return {
    min: Number(raw[aliases.min]),
    max: Number(raw[aliases.max]),
    sketch: sketchFromColumns(Number(raw[aliases.zero] ?? 0), map(aliases.positive), map(aliases.negative)),
  };
}

/** ClickHouse's own TIMEOUT_EXCEEDED: max_execution_time ran out on the server. */
const TIMEOUT_EXCEEDED = '159';

export function isServerTimeout(err: unknown): boolean {
  return err instanceof ClickHouseError && (err.code === TIMEOUT_EXCEEDED || err.type === 'TIMEOUT_EXCEEDED');
}
