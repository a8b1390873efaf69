import { z } from 'zod';
import { listSchema } from './setting-spec.js';
import type { SettingSpec } from './setting-spec.js';

/** `role=url` or `url`; a role named here is shown even while its target is down. */
const metricsTarget = z
  .string()
  .regex(/^((collector|worker)=)?https?:\/\/\S+$/, {
    message:
      'each target must be an http(s) URL of a /metrics endpoint, optionally prefixed by collector= or worker=',
  })
  .refine((text) => URL.canParse(text.replace(/^(collector|worker)=/, '')), {
    message: 'must be a valid URL',
  });

/** Settings of `vantage api` alone: where the pipeline's metrics are, for GET /v1/pipeline. */
export const PIPELINE_SETTINGS = {
  pipelineMetricsUrls: {
    flag: '--pipeline-metrics-urls',
    env: 'VANTAGE_PIPELINE_METRICS_URLS',
    default: '',
    schema: listSchema.pipe(z.array(metricsTarget)),
    description:
      'Comma-separated /metrics URLs of collectors and workers, each optionally as collector=URL or worker=URL (api)',
  },
} as const satisfies Record<string, SettingSpec>;
