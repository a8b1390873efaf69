import { gzipSync } from 'node:zlib';
import { SingleBar, Presets } from 'cli-progress';
import { abortableSleep, parseDuration } from '../core/index.js';
import { DemoTraffic } from '../demo/index.js';
import type { DemoMetric } from '../demo/index.js';

interface Options {
  endpoint: string;
  apiKey?: string;
  hours: string;
  live?: string;
  interval: string;
}

const BATCH = 5_000;

/** `vantage send-test-metrics`: backfill with a progress bar, then send live until stopped. */
export async function runSendTestMetrics(opts: Options): Promise<void> {
  const intervalMs = parseDuration(opts.interval);
  const hours = Number(opts.hours);
  const liveMs = opts.live === undefined ? Number.POSITIVE_INFINITY : parseDuration(opts.live);
  if (intervalMs === undefined || intervalMs < 1000)
    throw new Error(`--interval ${opts.interval}: use a duration of at least 1s`);
  if (!Number.isFinite(hours) || hours < 0) throw new Error(`--hours ${opts.hours}: use a number of hours`);
  if (liveMs === undefined) throw new Error(`--live ${opts.live}: use a duration such as 10m`);
  const url = new URL('/v1/metrics', opts.endpoint).toString();
  const traffic = new DemoTraffic();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());

  const now = Date.now();
  const first = Math.floor((now - hours * 3_600_000) / intervalMs) * intervalMs;
  const intervals = Math.floor((now - first) / intervalMs);
  let sent = 0;
  if (intervals > 0) {
    console.log(`Backfilling ${hours} h of demo data to ${url}`);
    const bar = new SingleBar(
      { format: ' {bar} {percentage}% | {value}/{total} intervals | {samples} samples', hideCursor: true },
      Presets.shades_classic,
    );
    bar.start(intervals, 0, { samples: 0 });
    let pending: DemoMetric[] = [];
    for (let i = 1; i <= intervals && !stop.signal.aborted; i++) {
      pending.push(...traffic.interval(first + i * intervalMs, intervalMs));
      if (pending.length >= BATCH || i === intervals) {
        sent += await send(url, pending, opts.apiKey, stop.signal);
        pending = [];
      }
      bar.update(i, { samples: sent });
    }
    bar.stop();
  }
  if (liveMs <= 0 || stop.signal.aborted) {
    console.log(`Sent ${sent} samples.`);
    return;
  }
  console.log(
    `Sending live data every ${opts.interval}${Number.isFinite(liveMs) ? ` for ${opts.live}` : ''}; Ctrl-C stops.`,
  );
  const until = Date.now() + liveMs;
  while (!stop.signal.aborted && Date.now() < until) {
    const wait = intervalMs - (Date.now() % intervalMs);
    await abortableSleep(wait, stop.signal);
    if (stop.signal.aborted) break;
    const batch = traffic.interval(Math.floor(Date.now() / intervalMs) * intervalMs, intervalMs);
    sent += await send(url, batch, opts.apiKey, stop.signal);
    process.stdout.write(`\r live: ${sent} samples sent`);
  }
  console.log(`\nSent ${sent} samples.`);
}

/** Posts one batch, retrying on 429/503 and network errors; returns how many were accepted. */
async function send(
  url: string,
  metrics: DemoMetric[],
  apiKey: string | undefined,
  signal: AbortSignal,
): Promise<number> {
  const body = gzipSync(JSON.stringify({ metrics }));
  const headers: Record<string, string> = { 'content-type': 'application/json', 'content-encoding': 'gzip' };
  if (apiKey) headers.authorization = `Bearer ${apiKey}`;
  for (let attempt = 0; ; attempt++) {
    let retryAfterMs = Math.min(30_000, 500 * 2 ** attempt);
    try {
      const res = await fetch(url, { method: 'POST', headers, body, signal });
      const text = await res.text();
      if (res.status === 202) return (JSON.parse(text) as { accepted: number }).accepted;
      if (res.status !== 429 && res.status < 500)
        throw new Error(`the collector refused the batch (${res.status}): ${text}`);
      const after = Number(res.headers.get('retry-after'));
      if (after > 0) retryAfterMs = after * 1000;
    } catch (err) {
      if (signal.aborted) return 0;
      if (err instanceof Error && err.message.startsWith('the collector refused')) throw err;
      if (attempt === 0) console.error(`\n${url} unreachable (${(err as Error).message}); retrying`);
    }
    await abortableSleep(retryAfterMs, signal);
    if (signal.aborted) return 0;
  }
}
