import type uPlot from 'uplot';
import { colorOf } from './series';

/**
 * The step in progress on a live chart. Its value covers only the part of the step that has
 * passed, so a rate or a sum reads low until the step is over; drawn like a finished step it
 * would look like a sudden drop. A live chart therefore draws each line solid up to the last
 * step that is over and dashed, with a hollow dot, from there to the steps still filling.
 */

/**
 * The last index in `[i0, i1]` whose time is before `from` (the solid part of a line), or `i1`
 * when nothing is in progress. `i0 - 1` when every point is in progress.
 */
export function solidUntil(xs: ArrayLike<number>, from: number | undefined, i0: number, i1: number): number {
  if (from === undefined) return i1;
  let end = i1;
  while (end >= i0 && (xs[end] as number) >= from) end--;
  return end;
}

/** Draws the in-progress part of every visible line (uPlot's `draw` hook, in canvas pixels). */
export function drawInProgress(u: uPlot, from: number | undefined, background: string): void {
  if (from === undefined) return;
  const xs = u.data[0];
  const first = solidUntil(xs, from, 0, xs.length - 1) + 1;
  if (first >= xs.length) return;
  const ratio = devicePixelRatio || 1;
  const { ctx } = u;
  const { left, top, width, height } = u.bbox;
  ctx.save();
  ctx.beginPath();
  ctx.rect(left, top, width, height);
  ctx.clip();
  ctx.lineWidth = 1.5 * ratio;
  for (let s = 1; s < u.series.length; s++) {
    if (!u.series[s]?.show) continue;
    const ys = u.data[s] as (number | null | undefined)[];
    const scale = u.series[s]?.scale ?? 'y';
    const at = (i: number): [number, number] => [
      u.valToPos(xs[i] as number, 'x', true),
      u.valToPos(ys[i] as number, scale, true),
    ];
    const filling: [number, number][] = [];
    for (let i = first; i < xs.length; i++) if (ys[i] !== null && ys[i] !== undefined) filling.push(at(i));
    if (filling.length === 0) continue;
    let before = first - 1;
    while (before >= 0 && (ys[before] === null || ys[before] === undefined)) before--;
    const line = before >= 0 ? [at(before), ...filling] : filling;
    ctx.strokeStyle = colorOf(s - 1);
    ctx.setLineDash([4 * ratio, 3 * ratio]);
    ctx.beginPath();
    line.forEach(([x, y], i) => (i === 0 ? ctx.moveTo(x, y) : ctx.lineTo(x, y)));
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = background;
    for (const [x, y] of filling) {
      ctx.beginPath();
      ctx.arc(x, y, 3 * ratio, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
    }
  }
  ctx.restore();
}
