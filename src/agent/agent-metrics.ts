import { metricSet } from '../telemetry/index.js';

/** The agent's self-metrics, served on its own /metrics (default port 9100). */
export type AgentMetrics = ReturnType<typeof createAgentMetrics>;

export const createAgentMetrics = metricSet((m) => ({
  collections: m.counter(
    'vantage_agent_collections_total',
    'Collections of host metrics (outcome ok, or error when one threw)',
    ['outcome'],
  ),
  samplesCollected: m.counter(
    'vantage_agent_samples_collected_total',
    'Samples read from the host and queued for sending',
  ),
  samplesSent: m.counter('vantage_agent_samples_sent_total', 'Samples the collector accepted (202)'),
  samplesRejected: m.counter(
    'vantage_agent_samples_rejected_total',
    'Samples the collector refused for good (listed as rejected in a 202, or a 4xx batch), not retried',
  ),
  samplesDropped: m.counter(
    'vantage_agent_samples_dropped_total',
    'Oldest samples dropped because the buffer was full (collector unreachable for long)',
  ),
  sendFailures: m.counter(
    'vantage_agent_send_failures_total',
    'Failed send attempts: reason retryable (429, 502-504, network; retried) or refused (other status; dropped)',
    ['reason'],
  ),
  bufferSamples: m.gauge(
    'vantage_agent_buffer_samples',
    'Samples waiting to be sent, the batch in flight included',
  ),
  collectionDuration: m.histogram(
    'vantage_agent_collection_duration_seconds',
    'Time of one collection of host metrics',
    [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  ),
}));
