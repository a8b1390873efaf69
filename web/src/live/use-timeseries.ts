import { useEffect, useMemo, useState } from 'react';
import { apiGet } from '../api/client';
import type { TimeseriesResponse, TimeseriesSeries } from '../api/types';
import { useApi, type Loadable } from '../api/use-api';
import { markLiveMessage } from '../charts/live-mark';
import type { ChartSeries } from '../charts/series';
import type { TimeRange } from '../time/range';
import { LiveSeries, type Agg } from './live-series';
import { chartExtent, inProgressFrom, stepsOver } from './step-window';
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
  /** Ask for each series' exemplars with its points (`exemplars=true`); live refreshes do not. */
  readonly exemplars?: boolean;
}

export interface TimeseriesView {
  readonly state: Loadable<TimeseriesResponse>;
  /** The lines to draw: not live, only the steps that are over; live, with the step in progress. */
  readonly series: readonly ChartSeries[];
  /** The chart's x extent (see step-window.ts). */
  readonly xRange?: [number, number];
  /** Live: where the step in progress starts, to draw it apart from the finished ones. */
  readonly inProgressFrom?: number;
  /** Not live: where the left-out step in progress starts, and whether it held data. */
  readonly leftOut?: { readonly from: number; readonly hadData: boolean };
  readonly live?: StreamStatus;
  readonly reload: () => void;
}

/** How a series' group reads as a line label: `route=/pay`, or the metric's name when ungrouped. */
export function seriesLabel(metric: string, tags: Record<string, string>): string {
  const parts = Object.entries(tags).map(([k, v]) => `${k}=${v === '' ? '(none)' : v}`);
  return parts.length ? parts.join(', ') : metric;
}

/** The stored lines, by label as LiveSeries orders them, so a chart keeps its lines when live starts. */
const toChart = (metric: string, series: readonly TimeseriesSeries[]): ChartSeries[] =>
  series
    .map((s) => ({ label: seriesLabel(metric, s.tags), points: s.points }))
    .sort((a, b) => a.label.localeCompare(b.label));

/** Asks the store for the rest of the steps at most this often while live. */
const STORE_REFRESH_MS = 2000;

/** What live mode has drawn for one stored answer (`of`): lines, and the step then in progress. */
interface LiveView {
  readonly of: TimeseriesResponse;
  readonly series: ChartSeries[];
  readonly inProgressFrom: number;
}

/**
 * One metric as chart lines: GET /metrics/timeseries, ending at the last step that is over; then,
 * in live mode, the stream's partial minutes folded in (see LiveSeries) with the store asked again
 * for steps the stream cannot complete on its own, and the step in progress marked as such.
 */
export function useTimeseries(req: TimeseriesRequest): TimeseriesView {
  const { service, metric, agg, groupBy, range, step, live } = req;
  const exemplars = req.exemplars === true;
  const groupKey = groupBy.join(',');
  const key = JSON.stringify([service, metric, agg, groupKey, range.from, range.to, step, exemplars]);
  const { state, reload } = useApi(key, (signal) =>
    apiGet<TimeseriesResponse>(
      '/metrics/timeseries',
      {
        service,
        metric,
        agg,
        from: range.from,
        to: range.to,
        step,
        group_by: groupKey,
        exemplars: exemplars ? 'true' : undefined,
      },
      signal,
    ),
  );
  // Live state is kept with the answer it grew from, so that a new answer never shows another's.
  const [liveView, setLiveView] = useState<LiveView | undefined>(undefined);
  const [status, setStatus] = useState<{ of: TimeseriesResponse; status: StreamStatus } | undefined>(
    undefined,
  );
  const loaded = state.status === 'ok' ? state.data : undefined;

  useEffect(() => {
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
    const publish = (): void =>
      setLiveView({ of: loaded, series: lines.series(), inProgressFrom: inProgressFrom(Date.now(), stepMs) });

    // When a step is over, it is drawn as finished even if nothing new arrives.
    let boundary: number | undefined;
    const atNextStep = (): void => {
      boundary = window.setTimeout(
        () => {
          publish();
          atNextStep();
        },
        stepMs - (Date.now() % stepMs) + 50,
      );
    };
    atNextStep();

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
            publish();
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
          publish();
        }
        if (needsStoreRefresh) refreshFromStore();
      },
      (next) => setStatus({ of: loaded, status: next }),
    );
    return () => {
      unsubscribe();
      controller.abort();
      window.clearTimeout(timer);
      window.clearTimeout(boundary);
      // What this subscription drew goes with it: turned on again, live starts from the store.
      setLiveView(undefined);
      setStatus(undefined);
    };
  }, [live, loaded, service, metric, agg, groupKey]);

  const shown = state.data;
  const query = shown?.query;
  const stored = useMemo(() => toChart(metric, shown?.series ?? []), [metric, shown]);
  const current = query ? inProgressFrom(query.to, query.step) : undefined;
  const over = useMemo(
    () => (current === undefined ? { series: stored, leftOut: false } : stepsOver(stored, current)),
    [stored, current],
  );
  const xRange = query ? chartExtent(query, live) : undefined;
  const base = { state, reload, ...(xRange ? { xRange } : {}) };

  if (!live) {
    return {
      ...base,
      series: over.series,
      ...(current !== undefined ? { leftOut: { from: current, hadData: over.leftOut } } : {}),
    };
  }
  const mine = loaded !== undefined && liveView?.of === loaded ? liveView : undefined;
  const streamStatus = loaded !== undefined && status?.of === loaded ? status.status : undefined;
  const progress = mine?.inProgressFrom ?? current;
  return {
    ...base,
    series: mine?.series ?? stored,
    ...(progress !== undefined ? { inProgressFrom: progress } : {}),
    ...(streamStatus ? { live: streamStatus } : {}),
  };
}
