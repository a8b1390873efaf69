import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { FailedAuthThrottle } from './failed-auth-throttle.js';

/** Refused authentications of one role's servers (a registry holds one set). */
export interface AuthMetrics {
  readonly refusals: Counter<'code'>;
}

export function createAuthMetrics(registry: Registry, throttle: FailedAuthThrottle): AuthMetrics {
  const registers = [registry];
  new Gauge({
    name: 'vantage_auth_throttled_clients',
    help: 'Client addresses with recent failed authentications being counted (at most 100,000)',
    registers,
    collect() {
      this.set(throttle.trackedClients);
    },
  });
  return {
    refusals: new Counter({
      name: 'vantage_auth_refusals_total',
      help: 'Requests refused by authentication, by error code (VTG_AUTH_THROTTLED: throttled attempts)',
      labelNames: ['code'],
      registers,
    }),
  };
}
