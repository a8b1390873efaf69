import type { Registry } from 'prom-client';
import {
  ApiKeyVerifier,
  FailedAuthThrottle,
  createAuthMetrics,
  failedAuthThrottleOptions,
  metricsKeys,
} from '../http/index.js';
import type { AuthMetrics, AuthSettings } from '../http/index.js';

/**
 * The authentication of one process (or worker thread): one failed-attempt throttle for all its
 * servers, so that each port does not grant guesses of its own, and one set of auth metrics per
 * role registry.
 */
export class ProcessAuth {
  private readonly throttle: FailedAuthThrottle;
  private readonly metricsByRegistry = new Map<Registry, AuthMetrics>();

  constructor(private readonly settings: AuthSettings) {
    this.throttle = new FailedAuthThrottle(failedAuthThrottleOptions(settings));
  }

  /** For the collector's and the query API's routes (and the stream's upgrade). */
  apiKeys(registry: Registry): ApiKeyVerifier {
    return new ApiKeyVerifier(this.settings.apiKeys, this.options(registry));
  }

  /** For /metrics on every port. */
  metrics(registry: Registry): ApiKeyVerifier {
    return new ApiKeyVerifier(metricsKeys(this.settings), this.options(registry));
  }

  /** What this process sends when it scrapes a /metrics of its own deployment (GET /v1/pipeline). */
  get scrapeCredential(): string | undefined {
    return metricsKeys(this.settings)[0];
  }

  private options(registry: Registry): { throttle: FailedAuthThrottle; metrics: AuthMetrics } {
    let metrics = this.metricsByRegistry.get(registry);
    if (metrics === undefined) {
      metrics = createAuthMetrics(registry, this.throttle);
      this.metricsByRegistry.set(registry, metrics);
    }
    return { throttle: this.throttle, metrics };
  }
}
