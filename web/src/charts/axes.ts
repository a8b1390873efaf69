import type uPlot from 'uplot';
import { themeColor } from '../app/theme';
import { formatValue } from './units';

/** Axis labels' font, also used to measure them so the y axis is as wide as its longest label. */
const AXIS_FONT = '12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';

/**
 * An axis in the current theme's colours (read now: charts are rebuilt when the theme changes),
 * so that every chart's axes, ticks and grid look alike.
 */
export function themedAxis(extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  const grid = themeColor('--grid', 'rgba(128,128,128,0.15)');
  return {
    stroke: themeColor('--text-muted', '#666'),
    font: AXIS_FONT,
    grid: { stroke: grid, width: 1 },
    ticks: { stroke: grid, width: 1 },
    ...extra,
  };
}

/** The value axis: every label with its unit ("200 ms", "1.2 MB"), and wide enough for the longest. */
export function valueAxis(unit: string): uPlot.Axis {
  return themedAxis({
    values: (_u, ticks) => ticks.map((v) => formatValue(v, unit)),
    size: (_u, values) => axisWidth(values),
  });
}

let measuring: CanvasRenderingContext2D | null | undefined;

/** The y axis' width in CSS pixels: its longest label, the tick and the gap (uPlot's default is a fixed 50). */
function axisWidth(values: readonly string[] | null): number {
  if (!values?.length) return 50;
  measuring ??= document.createElement('canvas').getContext('2d');
  if (!measuring) return 50;
  measuring.font = AXIS_FONT;
  const widest = Math.max(...values.map((v) => measuring?.measureText(v).width ?? 0));
  return Math.max(40, Math.ceil(widest) + 20);
}
