import { Counter, Gauge, Histogram } from 'prom-client';
import type { Registry } from 'prom-client';

/** The agent's self-metrics, served on its own /metrics (default port 9100). */
export interface AgentMetrics {
  readonly collections: Counter<'outcome'>;
  readonly samplesCollected: Counter;
  readonly samplesSent: Counter;
  readonly samplesRejected: Counter;
  readonly samplesDropped: Counter;
  readonly sendFailures: Counter<'reason'>;
  readonly bufferSamples: Gauge;
  readonly collectionDuration: Histogram;
}

export function createAgentMetrics(registry: Registry): AgentMetrics {
  const registers = [registry];
  return {
    collections: new Counter({
      name: 'vantage_agent_collections_total',
      help: 'Collections of host metrics (outcome ok, or error when one threw)',
      labelNames: ['outcome'],
      registers,
    }),
    samplesCollected: new Counter({
      name: 'vantage_agent_samples_collected_total',
      help: 'Samples read from the host and queued for sending',
      registers,
    }),
    samplesSent: new Counter({
      name: 'vantage_agent_samples_sent_total',
      help: 'Samples the collector accepted (202)',
      registers,
    }),
    samplesRejected: new Counter({
      name: 'vantage_agent_samples_rejected_total',
      help: 'Samples the collector refused for good (listed as rejected in a 202, or a 4xx batch), not retried',
      registers,
    }),
    samplesDropped: new Counter({
      name: 'vantage_agent_samples_dropped_total',
      help: 'Oldest samples dropped because the buffer was full (collector unreachable for long)',
      registers,
    }),
    sendFailures: new Counter({
      name: 'vantage_agent_send_failures_total',
      help: 'Failed send attempts: reason retryable (429, 502-504, network; retried) or refused (other status; dropped)',
      labelNames: ['reason'],
      registers,
    }),
    bufferSamples: new Gauge({
      name: 'vantage_agent_buffer_samples',
      help: 'Samples waiting to be sent, the batch in flight included',
      registers,
    }),
    collectionDuration: new Histogram({
      name: 'vantage_agent_collection_duration_seconds',
      help: 'Time of one collection of host metrics',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
  };
}
