import { useEffect, useMemo, useState } from 'react';
import { apiGet } from '../api/client';
import type { TimeseriesResponse, TimeseriesSeries } from '../api/types';
import { useApi, type Loadable } from '../api/use-api';
import { markLiveMessage } from '../charts/live-mark';
import type { ChartSeries } from '../charts/series';
import type { TimeRange } from '../time/range';
import { LiveSeries, type Agg } from './live-series';
import { streamClient, type StreamStatus } from './stream-client';

export interface TimeseriesRequest {
  readonly service: string;
  readonly metric: string;
  readonly agg: Agg;
  readonly groupBy: readonly string[];
  readonly range: TimeRange;
  /** The step (`1m`, `5m`, `1h`); undefined lets the API choose about 300 points. */
  readonly step?: string;
  /** Append points from the stream (only meaningful for a range that ends now). */
  readonly live: boolean;
}

export interface TimeseriesView {
  readonly state: Loadable<TimeseriesResponse>;
  readonly series: readonly ChartSeries[];
  readonly live?: StreamStatus;
  readonly reload: () => void;
}

/** How a series' group reads as a line label: `route=/pay`, or the metric's name when ungrouped. */
export function seriesLabel(metric: string, tags: Record<string, string>): string {
  const parts = Object.entries(tags).map(([k, v]) => `${k}=${v === '' ? '(none)' : v}`);
  return parts.length ? parts.join(', ') : metric;
}

const toChart = (metric: string, series: readonly TimeseriesSeries[]): ChartSeries[] =>
  series.map((s) => ({ label: seriesLabel(metric, s.tags), points: s.points }));

/** Asks the store for the rest of the steps at most this often while live. */
const STORE_REFRESH_MS = 2000;

/**
 * One metric as chart lines: GET /metrics/timeseries, then, in live mode, the stream's partial
 * minutes folded in (see LiveSeries) with the store asked again for steps the stream cannot
 * complete on its own.
 */
export function useTimeseries(req: TimeseriesRequest): TimeseriesView {
  const { service, metric, agg, groupBy, range, step, live } = req;
  const groupKey = groupBy.join(',');
  const key = JSON.stringify([service, metric, agg, groupKey, range.from, range.to, step]);
  const { state, reload } = useApi(key, (signal) =>
    apiGet<TimeseriesResponse>(
      '/metrics/timeseries',
      { service, metric, agg, from: range.from, to: range.to, step, group_by: groupKey },
      signal,
    ),
  );
  const [liveSeries, setLiveSeries] = useState<ChartSeries[] | undefined>(undefined);
  const [status, setStatus] = useState<StreamStatus | undefined>(undefined);
  const loaded = state.status === 'ok' ? state.data : undefined;

  useEffect(() => {
    setLiveSeries(undefined);
    setStatus(undefined);
    if (!live || !loaded) return;
    const stepMs = loaded.query.step;
    const since = Date.now();
    const lines = new LiveSeries({
      agg,
      stepMs,
      groupBy: groupKey ? groupKey.split(',') : [],
      since,
      label: (tags) => seriesLabel(metric, tags),
    });
    lines.replaceStored(loaded.series);
    setLiveSeries(lines.series());

    let timer: number | undefined;
    let lastRefresh = 0;
    const controller = new AbortController();
    const refreshFromStore = (): void => {
      if (timer !== undefined) return;
      const wait = Math.max(0, lastRefresh + STORE_REFRESH_MS - Date.now());
      timer = window.setTimeout(() => {
        lastRefresh = Date.now();
        const from = Math.floor(since / stepMs) * stepMs - stepMs;
        apiGet<TimeseriesResponse>(
          '/metrics/timeseries',
          { service, metric, agg, from, to: 'now', step: stepMs, group_by: groupKey },
          controller.signal,
        ).then(
          (fresh) => {
            timer = undefined;
            lines.replaceStored(fresh.series);
            setLiveSeries(lines.series());
          },
          () => {
            timer = undefined; // the next stream message asks again
          },
        );
      }, wait);
    };

    const unsubscribe = streamClient().subscribe(
      { service, metric },
      (points) => {
        const at = performance.now();
        const { changed, needsStoreRefresh } = lines.add(points);
        if (changed) {
          markLiveMessage(at);
          setLiveSeries(lines.series());
        }
        if (needsStoreRefresh) refreshFromStore();
      },
      setStatus,
    );
    return () => {
      unsubscribe();
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [live, loaded, service, metric, agg, groupKey]);

  const shown = state.data;
  const stored = useMemo(() => toChart(metric, shown?.series ?? []), [metric, shown]);
  const series = liveSeries ?? stored;
  return { state, series, ...(status ? { live: status } : {}), reload };
}
