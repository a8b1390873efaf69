import { positiveIntSchema } from '../config/setting-spec.js';
import type { SettingSpec } from '../config/setting-spec.js';
import type { SpanPublisherOptions } from './span-publisher.js';

/** What the collector holds of spans while their bus is slow (the metrics' --buffer-max-samples). */
export const SPAN_SETTINGS = {
  spanBufferMax: {
    flag: '--span-buffer-max',
    env: 'VANTAGE_SPAN_BUFFER_MAX',
    default: '100000',
    schema: positiveIntSchema,
    description: 'Spans the collector holds while waiting for the spans bus; beyond it, 503',
  },
} as const satisfies Record<string, SettingSpec>;

/** What the span publisher holds while its bus is slow, from the parsed settings. */
export function spanPublisherOptions(values: {
  readonly spanBufferMax: number;
  readonly bufferTimeout: number;
}): SpanPublisherOptions {
  return { maxPendingSpans: values.spanBufferMax, timeoutMs: values.bufferTimeout };
}
