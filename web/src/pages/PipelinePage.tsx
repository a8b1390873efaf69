import { useEffect, useRef, useState, type ReactNode } from 'react';
import { apiGet } from '../api/client';
import type { PipelineStatusResponse } from '../api/types';
import { useApi } from '../api/use-api';
import type { ChartSeries } from '../charts/series';
import { TimeSeriesChart } from '../charts/TimeSeriesChart';
import { ErrorBox, Loading } from '../components/StateViews';
import { formatBytes, formatNumber } from '../time/format';
import { StallWarning } from './pipeline/StallWarning';

const POLL_MS = 5000;
/** Polls kept for the trend charts: 10 minutes. */
const HISTORY = 120;
/** The trends' shortest time axis. */
const MIN_SPAN_MS = 60_000;

type Status = PipelineStatusResponse;

/** One poll, reduced to what the trend charts draw. Rates come from counter deltas between polls. */
interface Sample {
  t: number;
  samplesPerSecond: number | null;
  rejectedPerSecond: number | null;
  rateLimitedPerSecond: number | null;
  lagSeconds: number | null;
  backlog: number | null;
  batchSize: number | null;
}

function perSecond(now: number | null, before: number | null | undefined, seconds: number): number | null {
  if (now === null || before === null || before === undefined || seconds <= 0) return null;
  return Math.max(0, (now - before) / seconds); // a restart resets counters: no negative rates
}

function sampleOf(s: Status, t: number, prev?: { t: number; status: Status }): Sample {
  const dt = prev ? (t - prev.t) / 1000 : 0;
  const pc = prev?.status.collector;
  return {
    t,
    samplesPerSecond: perSecond(s.collector.samplesAccepted, pc?.samplesAccepted, dt),
    rejectedPerSecond: perSecond(s.collector.requestsRejected, pc?.requestsRejected, dt),
    rateLimitedPerSecond: perSecond(s.collector.rateLimited, pc?.rateLimited, dt),
    lagSeconds: s.worker.lagSeconds,
    backlog: s.bus.kind === 'kafka' ? s.bus.consumerLagMessages : s.bus.backlogBytes,
    batchSize: s.worker.batchSize,
  };
}

/**
 * Pipeline health from the platform's own metrics (GET /v1/pipeline): whether each role answers,
 * the collector's traffic and refusals, the bus backlog, the worker's batches, errors and circuit
 * breaker, and the store's size. Polled every 5 s; the trends cover the time this page is open.
 */
export default function PipelinePage(): ReactNode {
  const status = useApi('pipeline', (s) => apiGet<Status>('/v1/pipeline', undefined, s), POLL_MS);
  const [history, setHistory] = useState<Sample[]>([]);
  const previous = useRef<{ t: number; status: Status } | undefined>(undefined);
  const data = status.state.status === 'ok' ? status.state.data : undefined;
  useEffect(() => {
    if (!data) return;
    const t = Date.now();
    const sample = sampleOf(data, t, previous.current);
    previous.current = { t, status: data };
    setHistory((h) => [...h.slice(-(HISTORY - 1)), sample]);
  }, [data]);

  const shown = status.state.data;
  return (
    <section className="page" aria-labelledby="pipeline-title">
      <div className="page-head">
        <h1 id="pipeline-title">Pipeline health</h1>
        <p className="muted">
          Collector → bus → worker → storage, from their own metrics; refreshed every 5 s.
        </p>
      </div>
      {status.state.status === 'error' ? (
        <ErrorBox title="Pipeline status is unavailable" error={status.state.error} onRetry={status.reload} />
      ) : null}
      {!shown ? (
        status.state.status === 'loading' ? (
          <Loading />
        ) : null
      ) : (
        <PipelineView status={shown} history={history} />
      )}
    </section>
  );
}

function PipelineView({ status, history }: { status: Status; history: Sample[] }): ReactNode {
  const { collector: c, bus, worker: w, storage } = status;
  const breaker = w.circuitBreaker ?? 'unknown';
  return (
    <>
      <StallWarning stall={status.stall} />
      <div className="tiles" data-testid="pipeline-targets">
        {status.targets.map((t) => (
          <div
            key={t.url}
            className={`tile ${t.up ? 'up' : 'down'}`}
            data-role={t.role ?? ''}
            data-up={String(t.up)}
          >
            <div className="tile-label">{t.role ?? 'target'}</div>
            <div className="tile-value">{t.up ? 'up' : 'down'}</div>
            <div className="muted small" title={t.url}>
              {t.error ?? t.url}
            </div>
          </div>
        ))}
      </div>
      <div className="pipeline-grid">
        <Section title="Collector" testId="pipeline-collector">
          <Stat label="requests" value={c.requests} />
          <Stat label="accepted (202)" value={c.requestsAccepted} />
          <Stat label="refused" value={c.requestsRejected} warn={(c.requestsRejected ?? 0) > 0} />
          <Stat label="rate-limited" value={c.rateLimited} warn={(c.rateLimited ?? 0) > 0} />
          <Stat label="samples accepted" value={c.samplesAccepted} />
          <Stat label="samples rejected" value={c.samplesRejected} warn={(c.samplesRejected ?? 0) > 0} />
          <Stat label="publish avg" value={ms(c.publishSecondsAvg)} unit="ms" />
          <Stat label="publish p99" value={ms(c.publishSecondsP99)} unit="ms" />
          <Stat label="publish failures" value={c.publishFailures} warn={(c.publishFailures ?? 0) > 0} />
          <Stat label="buffered samples" value={c.bufferSamples} />
          <Stat
            label="buffer full refusals"
            value={c.bufferRejections}
            warn={(c.bufferRejections ?? 0) > 0}
          />
        </Section>
        <Section title={`Bus (${bus.kind})`} testId="pipeline-bus">
          {bus.kind === 'kafka' ? (
            <Stat label="consumer lag" value={bus.consumerLagMessages} unit="messages" />
          ) : (
            <>
              <Stat label="log on disk" value={bus.logBytes} unit="bytes" />
              <Stat label="not yet consumed" value={bus.backlogBytes} unit="bytes" />
            </>
          )}
        </Section>
        <Section title="Worker" testId="pipeline-worker">
          <div className="stat">
            <span className="stat-label">circuit breaker</span>
            <span className={`badge breaker-${breaker}`} data-testid="circuit-breaker">
              {breaker}
            </span>
          </div>
          <Stat label="last batch size" value={w.batchSize} unit="aggregates" />
          <Stat label="processing lag" value={w.lagSeconds} unit="s" />
          <Stat label="samples stored" value={w.samplesStored} />
          <Stat label="inserts ok" value={w.insertsOk} />
          <Stat label="inserts retried" value={w.insertsRetried} warn={(w.insertsRetried ?? 0) > 0} />
          <Stat label="inserts failed" value={w.insertsFailed} warn={(w.insertsFailed ?? 0) > 0} />
          <Stat label="insert avg" value={ms(w.insertSecondsAvg)} unit="ms" />
          <Stat
            label="dead letters (never storable, set aside)"
            value={w.deadLetters}
            warn={(w.deadLetters ?? 0) > 0}
          />
        </Section>
        <Section title={`Storage (${storage.kind})`} testId="pipeline-storage">
          <Stat label="series" value={storage.series} />
          <Stat label="size on disk" value={storage.bytesOnDisk} unit="bytes" />
          {storage.error ? <p className="state-error small">{storage.error}</p> : null}
        </Section>
      </div>
      <div className="chart-grid">
        <Trend
          title="Throughput and refusals (per second)"
          history={history}
          unit="/s"
          lines={[
            ['samplesPerSecond', 'samples accepted'],
            ['rejectedPerSecond', 'requests refused'],
            ['rateLimitedPerSecond', 'rate-limited'],
          ]}
        />
        {/* One unit to a chart: on a shared axis, bytes would flatten seconds and batch sizes to zero. */}
        <Trend
          title={bus.kind === 'kafka' ? 'Consumer lag (messages)' : 'Bus backlog (not yet consumed)'}
          history={history}
          lines={[['backlog', bus.kind === 'kafka' ? 'consumer lag' : 'backlog']]}
          unit={bus.kind === 'kafka' ? '' : 'bytes'}
        />
        <Trend
          title="Worker lag (seconds)"
          history={history}
          lines={[['lagSeconds', 'worker lag']]}
          unit="s"
        />
        <Trend
          title="Worker batch size (aggregates)"
          history={history}
          lines={[['batchSize', 'batch size']]}
        />
      </div>
    </>
  );
}

function ms(seconds: number | null): number | null {
  return seconds === null ? null : seconds * 1000;
}

function Section({
  title,
  testId,
  children,
}: {
  title: string;
  testId: string;
  children: ReactNode;
}): ReactNode {
  return (
    <article className="card" data-testid={testId}>
      <h2 className="card-title">{title}</h2>
      <div className="stats">{children}</div>
    </article>
  );
}

function Stat({
  label,
  value,
  unit,
  warn,
}: {
  label: string;
  value: number | null;
  unit?: string;
  warn?: boolean;
}): ReactNode {
  return (
    <div className={`stat${warn ? ' stat-warn' : ''}`} data-stat={label} data-value={value ?? ''}>
      <span className="stat-label">{label}</span>
      <span className="stat-value">
        {value === null ? (
          <span className="muted">unknown</span>
        ) : unit === 'bytes' ? (
          formatBytes(value)
        ) : (
          formatNumber(value)
        )}
        {value !== null && unit && unit !== 'bytes' ? <span className="muted small"> {unit}</span> : null}
      </span>
    </div>
  );
}

function Trend({
  title,
  history,
  lines,
  unit = '',
}: {
  title: string;
  history: Sample[];
  lines: [keyof Omit<Sample, 't'>, string][];
  /** This chart's one unit (see charts/units.ts), written on its axis and in its legend. */
  unit?: string;
}): ReactNode {
  // A poll where a value is unknown (the first poll's rates, a role that did not answer) is left
  // out of that line rather than drawn as zero.
  const series: ChartSeries[] = lines.map(([key, label]) => ({
    label,
    points: history.flatMap((s): [number, number][] => (s[key] === null ? [] : [[s.t, s[key]]])),
  }));
  // At least the first minute on the axis: a few seconds' span would be labelled in fractions of
  // a second, and the chart reads as filling in.
  const first = history[0]?.t ?? 0;
  return (
    <article className="card" data-testid="pipeline-trend" data-polls={history.length}>
      <h2 className="card-title">{title}</h2>
      {history.length < 2 ? (
        <p className="muted small">Collecting: the trend starts with the second poll.</p>
      ) : (
        <TimeSeriesChart
          title={title}
          series={series}
          unit={unit}
          height={200}
          xRange={[first, first + MIN_SPAN_MS]}
          empty="No values yet"
        />
      )}
    </article>
  );
}
