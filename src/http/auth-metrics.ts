import { metricSet } from '../telemetry/index.js';
import type { FailedAuthThrottle } from './failed-auth-throttle.js';

/** Refused authentications of one role's servers (a registry holds one set). */
export type AuthMetrics = ReturnType<typeof createAuthMetrics>;

export const createAuthMetrics = metricSet((m, throttle: FailedAuthThrottle) => {
  m.readGauge(
    'vantage_auth_throttled_clients',
    'Client addresses with recent failed authentications being counted (at most 100,000)',
    () => throttle.trackedClients,
  );
  return {
    refusals: m.counter(
      'vantage_auth_refusals_total',
      'Requests refused by authentication, by error code (VTG_AUTH_THROTTLED: throttled attempts)',
      ['code'],
    ),
  };
});
