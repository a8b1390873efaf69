/**
 * The shapes of the query API's answers that the dashboard reads. Those the server defines in
 * src/core (api-types.ts, stream-protocol.ts) are taken from there, as types only: nothing of the
 * server is bundled, and a change of shape on either side fails the type check.
 */
export type {
  CompareResponse,
  CompareSide,
  ExemplarsResponse,
  HealthScoresResponse,
  MetricsResponse,
  PipelineStatusResponse,
  ServiceMapCall,
  ServiceMapQuery,
  ServiceMapResponse,
  ServicesResponse,
  TimeseriesResponse,
  TimeseriesSeries,
  TraceResponse,
  TraceSpanEvent,
  TraceSpanItem,
  TraceSpanLink,
  TraceSummaryItem,
  TracesQuery,
  TracesResponse,
} from '../../../src/core/api-types';
export type { StreamPoint, StreamServerMessage } from '../../../src/core/stream-protocol';
import type { HealthScoresResponse } from '../../../src/core/api-types';

export type ServiceHealth = HealthScoresResponse['services'][number];

/** [epoch ms, value] */
export type Point = [number, number];

/** POST /v1/query (src/api/api-server.ts). */
export interface VqlResponse {
  columns: string[];
  rows: (string | number | null)[][];
  stats: {
    rows: number;
    tier: string;
    from: number;
    to: number;
    step: number | null;
    elapsedMs: number;
    cached?: boolean;
    notices: string[];
  };
}
export type {
  ActiveAlertItem,
  AlertHistoryEntry,
  AlertHistoryQuery,
  AlertHistoryResponse,
  AlertStateName,
  AlertsResponse,
  MatcherOp,
  NewSilenceRequest,
  NotificationItem,
  NotificationsResponse,
  RuleGroupItem,
  RulePreviewResponse,
  RulePreviewRule,
  RulesResponse,
  SilenceItem,
  SilenceMatcher,
  SilencesResponse,
} from '../../../src/core/alerting-api-types';
