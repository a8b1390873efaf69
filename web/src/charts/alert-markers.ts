import type uPlot from 'uplot';
import type { AlertMarker } from '../alerts/alerts-view';

/**
 * Draws alert markers over a uPlot chart: a vertical rule at each firing (red) and resolved
 * (green) time, in a layer of the plot area rebuilt on each draw, as the exemplar dots are. Each
 * is a link to the alert history, so it can be tabbed to and found by tests. Markers outside the
 * drawn window are not shown.
 */
export function drawAlertMarkers(
  u: uPlot,
  markers: readonly AlertMarker[],
  open: (href: string) => void,
): number {
  let layer = u.over.querySelector<HTMLDivElement>(':scope > .alert-marker-layer');
  if (!layer) {
    layer = document.createElement('div');
    layer.className = 'alert-marker-layer';
    u.over.appendChild(layer);
  }
  layer.replaceChildren();
  const width = u.over.clientWidth || u.bbox.width;
  let drawn = 0;
  for (const m of markers) {
    const x = u.valToPos(m.time, 'x');
    if (!Number.isFinite(x) || x < 0 || x > width) continue;
    const a = document.createElement('a');
    const href = `/alerts?tab=history&state=${m.state}`;
    a.href = href;
    a.className = `alert-marker alert-marker-${m.state}`;
    a.style.left = `${x}px`;
    a.title = m.title;
    a.setAttribute('aria-label', `Alert ${m.title}`);
    a.dataset.testid = 'alert-marker';
    a.dataset.state = m.state;
    a.addEventListener('click', (ev) => {
      if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
      ev.preventDefault();
      open(href);
    });
    layer.appendChild(a);
    drawn++;
  }
  return drawn;
}
