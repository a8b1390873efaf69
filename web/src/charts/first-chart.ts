/**
 * Marks the moment the first chart with data is on screen (`vantage:first-chart` in the
 * Performance timeline), once per page load: the benchmark reads it.
 */
let marked = false;

export function markFirstChart(): void {
  if (marked) return;
  marked = true;
  // After the browser has painted the frame holding the chart, not merely after React committed it.
  requestAnimationFrame(() => setTimeout(() => performance.mark('vantage:first-chart'), 0));
}
