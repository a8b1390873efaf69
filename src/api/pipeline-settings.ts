import { z } from 'zod';
import { isHttpUrl, listSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { PipelineRole, PipelineStatusOptions, PipelineTarget } from './pipeline-status.js';

/** `role=url` or `url`; a role named here is shown even while its target is down. */
const TARGET = /^(?:(collector|worker)=)?(.*)$/;

const metricsTarget = z
  .string()
  .regex(/^((collector|worker)=)?https?:\/\/\S+$/, {
    message:
      'each target must be an http(s) URL of a /metrics endpoint, optionally prefixed by collector= or worker=',
  })
  .refine((text) => isHttpUrl(TARGET.exec(text)?.[2] ?? ''), { message: 'must be a valid URL' });

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

/** GET /v1/pipeline for `vantage api`: the targets of --pipeline-metrics-urls, on Kafka. */
export function distributedPipeline(
  values: { readonly pipelineMetricsUrls: readonly string[] },
  credential: string | undefined,
): PipelineStatusOptions {
  const targets = values.pipelineMetricsUrls.map((entry): PipelineTarget => {
    const [, role, url = ''] = TARGET.exec(entry) ?? [];
    return role !== undefined ? { role: role as PipelineRole, url } : { url };
  });
  return { bus: 'kafka', targets: () => targets, ...(credential !== undefined ? { credential } : {}) };
}
