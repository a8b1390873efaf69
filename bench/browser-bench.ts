import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../test/support/browser.js';
import { eventually, postMetrics } from '../test/support/http.js';
import { CLI, REPO_ROOT } from '../test/support/vantage-process.js';
import { fmt, percentile, startServer } from './support.js';
import type { Server } from './support.js';

/**
 * The dashboard measured in a real browser (Debian's Chromium, headless, on this machine's two
 * cores, the server beside it): what the first page load costs in JavaScript, how soon the first
 * chart is on screen, how long a 10,000-point chart takes to draw and what a live append costs.
 * The page reports its own timings on the Performance timeline (`vantage:first-chart`,
 * `vantage:chart-draw`, `vantage:live-append`); this reads them.
 */
const WEB = join(REPO_ROOT, 'dist', 'web');
const MINUTE = 60_000;
const BIG = 10_000;
const RUNS = 10;
const APPENDS = 30;

interface Bundle {
  initialJs: { raw: number; gzip: number; files: number };
  initialCss: { raw: number; gzip: number };
  pages: { page: string; raw: number; gzip: number }[];
}

const gz = (file: string): { raw: number; gzip: number } => {
  const bytes = readFileSync(join(WEB, file));
  return { raw: bytes.length, gzip: gzipSync(bytes).length };
};

/** What index.html loads before anything runs, and what each lazily loaded view adds (from Vite's manifest). */
export function measureBundle(): Bundle {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const scripts = [
    ...html.matchAll(/<(?:script[^>]*src|link[^>]*rel="modulepreload"[^>]*href)="\/([^"]+\.js)"/g),
  ].map((m) => m[1] as string);
  const styles = [...html.matchAll(/<link[^>]*rel="stylesheet"[^>]*href="\/([^"]+\.css)"/g)].map(
    (m) => m[1] as string,
  );
  const sum = (files: string[]): { raw: number; gzip: number } =>
    files.map(gz).reduce((a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip }), { raw: 0, gzip: 0 });
  const manifest = JSON.parse(readFileSync(join(WEB, '.vite', 'manifest.json'), 'utf8')) as Record<
    string,
    { file: string; imports?: string[]; isDynamicEntry?: boolean; name?: string }
  >;
  const initial = new Set(scripts);
  const pages = Object.entries(manifest)
    .filter(([, chunk]) => chunk.isDynamicEntry)
    .map(([key, chunk]) => {
      const files = new Set<string>();
      const visit = (k: string): void => {
        const c = manifest[k];
        if (!c || initial.has(c.file) || files.has(c.file)) return;
        files.add(c.file);
        c.imports?.forEach(visit);
      };
      visit(key);
      return { page: chunk.name ?? key, ...sum([...files]) };
    });
  return { initialJs: { ...sum(scripts), files: scripts.length }, initialCss: sum(styles), pages };
}

interface Entry {
  name: string;
  startTime: number;
  duration: number;
  points?: number;
}

async function entries(page: Page, name: string): Promise<Entry[]> {
  const json = await page.evaluate<string>(
    `JSON.stringify(performance.getEntriesByName(${JSON.stringify(name)}).map((e) => ({ name: e.name, startTime: e.startTime, duration: e.duration, points: e.detail && e.detail.points })))`,
  );
  return JSON.parse(json) as Entry[];
}

async function waitForEntries(page: Page, name: string, count: number, where: string): Promise<Entry[]> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const found = await entries(page, name);
    if (found.length >= count) return found;
    if (Date.now() > deadline) throw new Error(`no ${name} on ${where}`);
    await page.waitForTimeout(50);
  }
}

/** A gauge with one sample a minute for the last 10,000 minutes: a 10,000-point chart at step 1m. */
async function sendBigSeries(server: Server): Promise<void> {
  const last = Math.floor(Date.now() / MINUTE) * MINUTE - MINUTE;
  const metrics = Array.from({ length: BIG }, (_, i) => {
    const t = last - (BIG - 1 - i) * MINUTE;
    return {
      service: 'bench',
      name: 'cpu_percent',
      value: 40 + 30 * Math.sin(i / 180) + ((i * 7919) % 13),
      timestamp: t + 1000,
    };
  });
  const res = await postMetrics(server.collector, metrics);
  if (res.status !== 202) throw new Error(`collector answered ${res.status}`);
  await eventually(
    async () => {
      const q = new URLSearchParams({ service: 'bench', metric: 'cpu_percent', from: '-7d', step: '1m' });
      const body = (await (await fetch(`${server.api}/metrics/timeseries?${q.toString()}`)).json()) as {
        series: { points: unknown[] }[];
      };
      return body.series[0]?.points.length === BIG ? true : undefined;
    },
    60_000,
    'the 10,000-point series',
  );
}

const stats = (values: number[]): { p50: number; p95: number; max: number } => {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    p50: percentile(sorted, 0.5),
    p95: percentile(sorted, 0.95),
    max: sorted[sorted.length - 1] ?? NaN,
  };
};

async function cold(browser: Browser, url: string, run: (page: Page) => Promise<void>): Promise<void> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await run(page);
  } finally {
    await context.close();
  }
}

export async function runBrowserBench(log: (s: string) => void): Promise<string[]> {
  const bundle = measureBundle();
  const dir = mkdtempSync(join(tmpdir(), 'vantage-bench-browser-'));
  const server = await startServer(dir);
  let browser: Browser | undefined;
  try {
    log('browser: demo data (3 h) and a 10,000-point series');
    await promisify(execFile)(process.execPath, [
      CLI,
      'send-test-metrics',
      '--endpoint',
      server.collector,
      '--hours',
      '3',
      '--live',
      '0',
    ]);
    await sendBigSeries(server);
    browser = await launchChromium();

    log(`browser: ${RUNS} cold loads of the overview`);
    const overview: number[] = [];
    const jsBytes: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      await cold(browser, `${server.api}/`, async (page) => {
        const [mark] = await waitForEntries(page, 'vantage:first-chart', 1, 'the overview');
        overview.push(mark?.startTime ?? NaN);
        jsBytes.push(
          await page.evaluate<number>(
            "performance.getEntriesByType('resource').filter((e) => e.name.endsWith('.js')).reduce((n, e) => n + e.decodedBodySize, 0)",
          ),
        );
      });
    }

    log(`browser: ${RUNS} cold loads of a 10,000-point chart`);
    const bigFirst: number[] = [];
    const bigDraw: number[] = [];
    const bigUpdate: number[] = [];
    const bigUrl = `${server.api}/services/bench?from=-7d&step=1m`;
    for (let i = 0; i < RUNS; i++) {
      await cold(browser, bigUrl, async (page) => {
        const [draw] = (await waitForEntries(page, 'vantage:chart-draw', 1, 'the big chart')).filter(
          (e) => e.points === BIG,
        );
        if (!draw) throw new Error('the first draw did not hold 10,000 points');
        bigDraw.push(draw.duration);
        // Marked a frame after the draw, once the browser has painted it.
        const [shown] = await waitForEntries(page, 'vantage:first-chart', 1, 'the big chart');
        bigFirst.push(shown?.startTime ?? NaN);
        // Another aggregation: the card loads it and builds its chart again.
        const select = page.locator('[data-metric="cpu_percent"] select');
        for (const [k, agg] of ['max', 'avg', 'min'].entries()) {
          await select.selectOption(agg);
          const all = await waitForEntries(page, 'vantage:chart-draw', k + 2, 'the big chart');
          bigUpdate.push((all[k + 1] as Entry).duration);
        }
      });
    }

    log(`browser: ${APPENDS} live appends to the 10,000-point chart`);
    const appends: number[] = [];
    let appendPoints = 0;
    await cold(browser, `${bigUrl}&live=1`, async (page) => {
      await page.locator('[data-testid="live-on"]').waitFor({ timeout: 30_000 });
      const next = Math.floor(Date.now() / MINUTE) * MINUTE + MINUTE;
      for (let k = 0; k < APPENDS; k++) {
        // A new minute every tenth message, merges into the newest minute in between.
        const t = next + Math.floor(k / 10) * MINUTE + (k % 10) * 1000;
        await postMetrics(server.collector, [
          { service: 'bench', name: 'cpu_percent', value: 50 + k, timestamp: t },
        ]);
        const all = await waitForEntries(page, 'vantage:live-append', k + 1, 'the live chart');
        appends.push((all[k] as Entry).duration);
        appendPoints = (all[k] as Entry).points ?? 0;
        await page.waitForTimeout(200);
      }
    });

    const first = stats(overview);
    const big = stats(bigDraw);
    const update = stats(bigUpdate);
    const live = stats(appends);
    const kb = (n: number): string => fmt(n / 1024, 1);
    return [
      '### Dashboard in the browser',
      '',
      `Headless Chromium (${CHROMIUM_NOTE}) and the server on the same two cores; every load in a fresh browser context (empty cache), over localhost. ${RUNS} runs each.`,
      '',
      '| measure | result | target |',
      '|---|---|---|',
      `| initial JavaScript (index.html's ${bundle.initialJs.files} script(s)) | ${kb(bundle.initialJs.gzip)} KB gzipped (${kb(bundle.initialJs.raw)} KB raw); CSS ${kb(bundle.initialCss.gzip)} KB gzipped | < 300 KB gzipped |`,
      `| JavaScript the overview page loaded | ${kb(stats(jsBytes).max)} KB raw | |`,
      `| first chart on screen, overview (\`vantage:first-chart\`, from navigation) | p50 ${fmt(first.p50, 0)} ms, max ${fmt(first.max, 0)} ms | < 1 s |`,
      `| first chart on screen, 10,000-point service view | p50 ${fmt(stats(bigFirst).p50, 0)} ms, max ${fmt(stats(bigFirst).max, 0)} ms | |`,
      `| 10,000-point chart, data to drawn (align + React + uPlot build + draw) | p50 ${fmt(big.p50)} ms, max ${fmt(big.max)} ms | < 200 ms |`,
      `| 10,000-point chart built again for another aggregation | p50 ${fmt(update.p50)} ms, p95 ${fmt(update.p95)} ms | |`,
      `| live append to a ${fmt(appendPoints, 0)}-point chart, stream message to drawn | p50 ${fmt(live.p50)} ms, p95 ${fmt(live.p95)} ms, max ${fmt(live.max)} ms | < 16 ms |`,
      '',
      'JavaScript loaded later, per view (gzipped, beyond the initial load):',
      '',
      '| view | KB gzipped | KB raw |',
      '|---|---|---|',
      ...bundle.pages.map((p) => `| ${p.page} | ${kb(p.gzip)} | ${kb(p.raw)} |`),
      '',
    ];
  } finally {
    await browser?.close();
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const CHROMIUM_NOTE = 'Debian package, --headless --disable-gpu';
