import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { launchChromium, openPage } from './browser.js';
import type { OpenedPage, PageOptions } from './browser.js';
import { REPO_ROOT, startVantageProcess } from './vantage-process.js';
import type { VantageProcess } from './vantage-process.js';

/** One file's dashboard tests: an embedded Vantage, a Chromium, and the pages the tests open. */
export interface DashboardSession {
  /** A temporary directory of the file's own, removed after its last test. */
  readonly dir: string;
  readonly vantage: VantageProcess;
  readonly browser: Browser;
  /** Opens `path` of the API's dashboard; the page is closed after the test, its errors checked. */
  open(path: string, options?: PageOptions): Promise<OpenedPage>;
}

export interface DashboardSessionOptions {
  /** The temporary directory's prefix. */
  readonly name: string;
  /** Starts Vantage for `dir`; by default `vantage start` on it with a 20 ms worker linger. */
  readonly start?: (dir: string) => Promise<VantageProcess>;
}

/**
 * Registers the hooks every dashboard test file needs: before the first test, checks that the
 * dashboard is built, starts Vantage and Chromium; after each test, closes the pages it opened
 * and fails it if any logged an error it did not expect; after the last, stops both. A file's
 * own `beforeAll` (sending its data) runs after this one's, as vitest runs hooks in order.
 */
export function dashboardSession(options: DashboardSessionOptions): DashboardSession {
  let dir: string | undefined;
  let vantage: VantageProcess | undefined;
  let browser: Browser | undefined;
  let opened: OpenedPage[] = [];
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the dashboard session has no ${what}: beforeAll failed`);
    return value;
  };

  beforeAll(async () => {
    if (!existsSync(join(REPO_ROOT, 'dist', 'web', 'index.html'))) {
      throw new Error('the dashboard is not built: run npm run build');
    }
    dir = mkdtempSync(join(tmpdir(), `vantage-${options.name}-`));
    const start = options.start ?? ((d: string) => startVantageProcess(d, ['--worker-linger', '20ms']));
    vantage = await start(dir);
    browser = await launchChromium();
  });

  afterEach(async () => {
    const errors = opened.flatMap((p) => p.errors);
    await Promise.all(opened.map((p) => p.close()));
    opened = [];
    expect(errors, 'the browser console has no errors').toEqual([]);
  });

  afterAll(async () => {
    await browser?.close();
    vantage?.child.kill('SIGTERM');
    await vantage?.exited;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  return {
    get dir() {
      return started(dir, 'directory');
    },
    get vantage() {
      return started(vantage, 'Vantage');
    },
    get browser() {
      return started(browser, 'browser');
    },
    async open(path, pageOptions) {
      const page = await openPage(started(browser, 'browser'), `${started(vantage, 'Vantage').api}${path}`, {
        ...pageOptions,
      });
      opened.push(page);
      return page;
    },
  };
}
