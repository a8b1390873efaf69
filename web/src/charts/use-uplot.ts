import { useEffect, useEffectEvent, useRef, type RefObject } from 'react';
import type uPlot from 'uplot';
import { useTheme } from '../app/theme';

/** Below this width (CSS px) the axis labels crowd out the plot, so a narrower holder scrolls. */
const MIN_WIDTH = 200;

/**
 * The one place a chart's uPlot is built, sized and destroyed. It is built in `holder`, as wide
 * as the holder, and built again when `shape` (whatever the component cannot simply feed to the
 * existing plot), the height or the theme changes: uPlot takes its colours once, from the theme's
 * CSS variables. It follows the holder's width (phone widths, a rotated screen) and is destroyed
 * with the component. `build` may read the latest props: it is not a dependency.
 */
export function useUPlot(
  holder: RefObject<HTMLDivElement | null>,
  build: (el: HTMLDivElement, width: number) => uPlot,
  shape: string,
  height: number,
): RefObject<uPlot | null> {
  const plot = useRef<uPlot | null>(null);
  const [theme] = useTheme();
  const onBuild = useEffectEvent((el: HTMLDivElement): uPlot => build(el, widthOf(el)));

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const u = onBuild(el);
    plot.current = u;
    const observer = new ResizeObserver(() => {
      const width = widthOf(el);
      if (width !== u.width) u.setSize({ width, height });
    });
    observer.observe(el);
    return () => {
      observer.disconnect();
      u.destroy();
      plot.current = null;
    };
  }, [holder, shape, theme, height]);

  return plot;
}

function widthOf(el: HTMLElement): number {
  return Math.max(MIN_WIDTH, el.clientWidth);
}
