import { retryWithBackoff } from '../core/index.js';
import type { BackoffPolicy, Outcome, RetryHooks, Sample } from '../core/index.js';
import type { Logger } from '../telemetry/index.js';
import type { AgentMetrics } from './agent-metrics.js';
import { CollectorRefusedError } from './metrics-sender.js';
import type { MetricsSender, SendResult } from './metrics-sender.js';
import type { SampleBuffer } from './sample-buffer.js';
import { WIRE_LIMITS } from './wire-format.js';

export interface SampleShipperOptions {
  readonly sender: MetricsSender;
  readonly buffer: SampleBuffer;
  readonly metrics: AgentMetrics;
  readonly logger: Logger;
  readonly backoff: BackoffPolicy;
  /** Samples per request; at most 1,000. */
  readonly batchSize?: number;
  /** For tests: how to wait between attempts. */
  readonly sleep?: RetryHooks['sleep'];
}

/**
 * Moves samples from the buffer to the collector, one batch at a time, oldest first. A batch is
 * retried with jittered exponential backoff (honouring Retry-After) while the collector is away,
 * dropped when the collector refuses it for good, and put back in the buffer when retrying stops.
 */
export class SampleShipper {
  private readonly sender: MetricsSender;
  private readonly buffer: SampleBuffer;
  private readonly metrics: AgentMetrics;
  private readonly logger: Logger;
  private readonly backoff: BackoffPolicy;
  private readonly batchSize: number;
  private readonly sleep: RetryHooks['sleep'];
  private readonly refusalsLogged = new Set<string>();
  private flushing: Promise<void> | undefined;
  private outage = false;

  constructor(options: SampleShipperOptions) {
    this.sender = options.sender;
    this.buffer = options.buffer;
    this.metrics = options.metrics;
    this.logger = options.logger;
    this.backoff = options.backoff;
    this.batchSize = Math.max(
      1,
      Math.min(options.batchSize ?? WIRE_LIMITS.maxMetricsPerRequest, WIRE_LIMITS.maxMetricsPerRequest),
    );
    this.sleep = options.sleep;
  }

  enqueue(samples: readonly Sample[]): void {
    const dropped = this.buffer.push(samples);
    this.countDropped(dropped);
    this.metrics.bufferSamples.set(this.buffer.size);
  }

  /**
   * Sends what is queued until the queue is empty, retrying each batch until it goes through or
   * `stop` aborts. One flush runs at a time: a call during a flush joins it.
   */
  flush(stop: AbortSignal): Promise<void> {
    this.flushing ??= this.sendQueued(stop).finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /**
   * At shutdown, after the last flush: one attempt per batch within `timeoutMs`, stopping at the
   * first that fails. Returns how many samples were left unsent.
   */
  async drain(timeoutMs: number): Promise<number> {
    await this.flushing;
    const deadline = Date.now() + timeoutMs;
    while (this.buffer.queued > 0 && Date.now() < deadline) {
      const batch = this.buffer.take(this.batchSize);
      const outcome = await this.attempt(await this.sender.encode(batch));
      if (!this.finish(batch, outcome)) break;
    }
    return this.buffer.size;
  }

  private async sendQueued(stop: AbortSignal): Promise<void> {
    while (this.buffer.queued > 0 && !stop.aborted) {
      const batch = this.buffer.take(this.batchSize);
      const body = await this.sender.encode(batch);
      const outcome = await retryWithBackoff(() => this.attempt(body), this.backoff, {
        signal: stop,
        ...(this.sleep ? { sleep: this.sleep } : {}),
        onRetry: (error, attempt, delayMs) => {
          const context = { attempt, delayMs, buffered: this.buffer.size, err: error.message };
          if (this.outage) this.logger.debug(context, 'collector still unavailable; retrying');
          else this.logger.warn(context, `cannot send to ${this.sender.target}; buffering and retrying`);
          this.outage = true;
        },
      });
      if (!this.finish(batch, outcome)) return;
    }
  }

  // The in-flight request is not tied to the stop signal: a batch the collector is already taking
  // is allowed to finish (within the request timeout) rather than be sent twice at shutdown.
  private async attempt(body: Buffer): Promise<Outcome<SendResult>> {
    const outcome = await this.sender.post(body);
    if (outcome.kind === 'retryable') this.metrics.sendFailures.inc({ reason: 'retryable' });
    if (outcome.kind === 'failed') this.metrics.sendFailures.inc({ reason: 'refused' });
    return outcome;
  }

  /** Accounts for a batch's outcome; false when it went back to the buffer and sending should pause. */
  private finish(batch: readonly Sample[], outcome: Outcome<SendResult>): boolean {
    switch (outcome.kind) {
      case 'ok': {
        this.buffer.settle(batch);
        const { accepted, rejected } = outcome.value;
        this.metrics.samplesSent.inc(accepted);
        if (rejected.length > 0) this.metrics.samplesRejected.inc(rejected.length);
        for (const r of rejected) {
          const sample = batch[r.index];
          this.logRefusalOnce(`rejected:${r.code}`, {
            code: r.code,
            field: r.field,
            metric: sample?.name,
            tags: sample?.tags,
            reason: r.message,
          });
        }
        if (this.outage) this.logger.info({ buffered: this.buffer.size }, 'collector reachable again');
        this.outage = false;
        break;
      }
      case 'failed': {
        this.buffer.settle(batch);
        this.metrics.samplesRejected.inc(batch.length);
        const e = outcome.error;
        const status = e instanceof CollectorRefusedError ? e.status : undefined;
        const code = e instanceof CollectorRefusedError ? e.code : undefined;
        this.logRefusalOnce(`refused:${status}:${code}`, {
          status,
          code,
          field: e instanceof CollectorRefusedError ? e.field : undefined,
          samples: batch.length,
          reason: e.message,
        });
        break;
      }
      case 'retryable':
        this.buffer.requeue(batch);
        break;
    }
    this.metrics.bufferSamples.set(this.buffer.size);
    return outcome.kind !== 'retryable';
  }

  /**
   * A refusal means the agent is misconfigured (API key, service name) or a sample breaks a limit;
   * sending again would not help. It is said once per code, loudly, then only at debug level.
   */
  private logRefusalOnce(key: string, context: Record<string, unknown>): void {
    if (this.refusalsLogged.has(key)) {
      this.logger.debug(context, 'collector refused samples again (not retried)');
      return;
    }
    this.refusalsLogged.add(key);
    this.logger.error(
      context,
      `collector refused samples with ${String(context.code ?? `status ${String(context.status)}`)}; they are dropped, not retried (logged once per code)`,
    );
  }

  private countDropped(n: number): void {
    if (n > 0) this.metrics.samplesDropped.inc(n);
  }
}
