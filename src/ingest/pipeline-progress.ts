import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Logger } from 'pino';
import { ProgressWatch, formatMessage } from '../core/index.js';
import type { BusBacklog } from '../bus/index.js';
import type { ReadinessProblem } from '../http/index.js';

export interface PipelineProgressOptions {
  readonly backlog: BusBacklog;
  /** No commit for this long while data waits is a stall; 0 turns the check off. */
  readonly stallAfterMs: number;
  readonly registry: Registry;
  readonly logger: Logger;
  readonly clock?: () => number;
  /** How often the bus is asked. Default: a tenth of `stallAfterMs`, between 250 ms and 5 s. */
  readonly intervalMs?: number;
}

/** The stall as /ready and the metrics show it. */
export interface StallReport {
  readonly stalled: boolean;
  /** Epoch ms since which data has waited with no commit; undefined when nothing waits. */
  readonly waitingSince: number | undefined;
  readonly backlog: number;
  readonly unit: BusBacklog['unit'];
  /** The partitions whose workers are stuck. */
  readonly partitions: readonly number[];
}

/**
 * The collector's view of the pipeline behind it (issue 10: "a stuck pipeline is never hidden").
 * A collector answers 202 once the bus holds the data; if no worker ever stores it, nothing else
 * on the collector would show it. So the collector reads the workers' committed position and the
 * bus's end every few seconds, feeds them to `ProgressWatch`, and while the watch says stalled its
 * /ready answers 503 VTG_PIPELINE_STALLED and `vantage_collector_pipeline_stalled_seconds` counts.
 * It keeps accepting: what it acknowledges is durable in the bus and is stored once the workers
 * move again; being unready tells the load balancer, the orchestrator and the operator.
 */
export class PipelineProgress {
  private readonly watch: ProgressWatch;
  private readonly clock: () => number;
  private readonly intervalMs: number;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private wasStalled = false;
  private readFailing = false;
  private readonly readFailures: Counter;

  constructor(private readonly options: PipelineProgressOptions) {
    this.watch = new ProgressWatch(options.stallAfterMs);
    this.clock = options.clock ?? Date.now;
    this.intervalMs =
      options.intervalMs ?? Math.min(5_000, Math.max(250, Math.floor(options.stallAfterMs / 10)));
    const registers = [options.registry];
    const stalledSeconds: Gauge = new Gauge({
      name: 'vantage_collector_pipeline_stalled_seconds',
      help: 'Seconds the workers have committed nothing while data waits in the bus, once past --stall-after; else 0',
      registers,
      collect: (): void => {
        const r = this.report();
        const stalled = r.stalled && r.waitingSince !== undefined;
        stalledSeconds.set(stalled ? (this.clock() - (r.waitingSince as number)) / 1000 : 0);
      },
    });
    const backlog: Gauge = new Gauge({
      name: `vantage_collector_pipeline_backlog_${options.backlog.unit}`,
      help: `What the bus holds past the workers' committed position (${options.backlog.unit}), as last read`,
      registers,
      collect: (): void => backlog.set(this.report().backlog),
    });
    this.readFailures = new Counter({
      name: 'vantage_collector_pipeline_backlog_read_failures_total',
      help: "Failed reads of the workers' position on the bus (the stall check keeps its last reading)",
      registers,
    });
  }

  /** Reads the bus now, then every interval, until `close()`. */
  start(): void {
    if (this.options.stallAfterMs === 0 || this.timer !== undefined || this.running) return;
    const loop = async (): Promise<void> => {
      await this.check();
      if (this.closed) return;
      this.timer = setTimeout(() => void (this.running = loop()), this.intervalMs);
      // A check never keeps the process alive: the collector's server closes it on shutdown.
      this.timer.unref();
    };
    this.running = loop();
  }

  /** Reads the bus's positions once and updates the watch. */
  async check(): Promise<void> {
    try {
      const positions = await this.options.backlog.positions();
      this.watch.observe(positions, this.clock());
      if (this.readFailing) this.options.logger.info("the workers' position on the bus is readable again");
      this.readFailing = false;
    } catch (err) {
      this.readFailures.inc();
      if (!this.readFailing)
        this.options.logger.warn({ err }, "cannot read the workers' position on the bus");
      this.readFailing = true;
    }
    this.logTransition();
  }

  report(): StallReport {
    const { stalled, waitingSince, backlog, stalledPartitions } = this.watch.state(this.clock());
    return { stalled, waitingSince, backlog, unit: this.options.backlog.unit, partitions: stalledPartitions };
  }

  /** For /ready: the stall, coded, or undefined. */
  readonly readiness = (): ReadinessProblem | undefined => {
    const r = this.report();
    if (!r.stalled || r.waitingSince === undefined) return undefined;
    const since = new Date(r.waitingSince).toISOString();
    const seconds = Math.floor((this.clock() - r.waitingSince) / 1000);
    return {
      code: 'VTG_PIPELINE_STALLED',
      message: formatMessage('VTG_PIPELINE_STALLED', { since, seconds, backlog: r.backlog, unit: r.unit }),
      details: {
        since,
        stalledSeconds: seconds,
        backlog: r.backlog,
        backlogUnit: r.unit,
        stallAfterSeconds: this.options.stallAfterMs / 1000,
        partitions: r.partitions,
      },
    };
  };

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.running;
    await this.options.backlog.close();
  }

  private logTransition(): void {
    const r = this.report();
    if (r.stalled === this.wasStalled) return;
    this.wasStalled = r.stalled;
    const fields = { backlog: r.backlog, unit: r.unit, since: r.waitingSince, partitions: r.partitions };
    if (r.stalled)
      this.options.logger.error(
        fields,
        'the pipeline is stalled: the workers commit nothing while data waits',
      );
    else this.options.logger.info(fields, 'the pipeline moves again');
  }
}
