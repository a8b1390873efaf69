import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';
import type { Browser, BrowserContext, ConsoleMessage, Page } from 'playwright-core';

/**
 * A real browser for the dashboard's end-to-end tests and benchmark: Debian's Chromium
 * (scripts/install-chromium.sh installs it), driven by playwright-core. Nothing is downloaded.
 */
export const CHROMIUM_PATH = process.env.VANTAGE_CHROMIUM ?? '/usr/bin/chromium';

const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(
      `no Chromium at ${CHROMIUM_PATH}: run scripts/install-chromium.sh (or set VANTAGE_CHROMIUM)`,
    );
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args: FLAGS });
}

export interface PageOptions {
  readonly width?: number;
  readonly height?: number;
  readonly theme?: 'light' | 'dark';
  /** Console errors that are expected here (a 400 the page shows in place), matched on their text or URL. */
  readonly expectedErrors?: readonly RegExp[];
}

export interface OpenedPage {
  readonly context: BrowserContext;
  readonly page: Page;
  /** Errors the page logged or threw, other than the expected ones. */
  readonly errors: string[];
  close(): Promise<void>;
}

/** A fresh page (own storage, so no key or theme leaks between tests) that records its console errors. */
export async function openPage(
  browser: Browser,
  url: string,
  options: PageOptions = {},
): Promise<OpenedPage> {
  const context = await browser.newContext({
    viewport: { width: options.width ?? 1280, height: options.height ?? 900 },
    colorScheme: options.theme ?? 'light',
    deviceScaleFactor: 1,
  });
  const page = await context.newPage();
  const errors: string[] = [];
  const expected = options.expectedErrors ?? [];
  const record = (text: string, where = ''): void => {
    if (!expected.some((re) => re.test(text) || re.test(where))) errors.push(`${text} ${where}`.trim());
  };
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') record(m.text(), m.location().url);
  });
  page.on('pageerror', (e) => record(`uncaught: ${e.message}`));
  await page.goto(url);
  return { context, page, errors, close: () => context.close() };
}
