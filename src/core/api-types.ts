/** Request and response bodies of the query API, shared with the dashboard. */

export interface TimeseriesSeries {
  service: string;
  metric: string;
  tags: Record<string, string>;
  /** [epoch ms of the step start, value] */
  points: [number, number][];
}

export interface TimeseriesResponse {
  series: TimeseriesSeries[];
  query: { from: number; to: number; step: number; agg: string; tier: string };
}

export interface ServicesResponse {
  services: { name: string; metricCount: number; lastSeen: number }[];
}

export interface MetricsResponse {
  service: string;
  metrics: { name: string; types: string[]; tagKeys: string[]; seriesCount: number; lastSeen: number }[];
}
