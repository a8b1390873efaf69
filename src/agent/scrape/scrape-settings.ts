import { resolve } from 'node:path';
import { z } from 'zod';
import { durationSchema, limitCountSchema, positiveIntSchema } from '../../config/setting-spec.js';
import type { SettingSpec } from '../../config/setting-spec.js';
import { parseScrapeEntry } from './scrape-targets.js';
import type { ScrapeTarget } from './scrape-targets.js';

/**
 * `--scrape` entries, `URL` or `job=URL`, separated by commas or blanks (the flag may also be
 * repeated: the CLI joins its values with a space, which no URL holds).
 */
const scrapeEntriesSchema = z.string().transform((text, ctx): ScrapeTarget[] => {
  const targets: ScrapeTarget[] = [];
  for (const entry of text.split(/[\s,]+/).filter((e) => e.length > 0)) {
    const target = parseScrapeEntry(entry);
    if (typeof target === 'string') ctx.addIssue({ code: 'custom', message: target });
    else targets.push(target);
  }
  return targets;
});

/** The settings of `vantage agent` that make it scrape Prometheus endpoints (docs/ingest.md). */
export const SCRAPE_SETTINGS = {
  scrape: {
    flag: '--scrape',
    env: 'VANTAGE_AGENT_SCRAPE',
    default: '',
    repeatable: true,
    schema: scrapeEntriesSchema,
    description:
      'Prometheus endpoint to scrape, URL or job=URL (repeatable; comma-separated in the variable)',
  },
  scrapeConfig: {
    flag: '--scrape-config',
    env: 'VANTAGE_AGENT_SCRAPE_CONFIG',
    default: '',
    schema: z
      .string()
      .trim()
      .transform((path) => (path === '' ? undefined : resolve(path))),
    description:
      "JSON file of scrape targets in Prometheus' file_sd format, each group with a job and labels",
  },
  scrapeInterval: {
    flag: '--scrape-interval',
    env: 'VANTAGE_AGENT_SCRAPE_INTERVAL',
    default: '15s',
    schema: durationSchema(1_000),
    description: 'How often each target is scraped',
  },
  scrapeTimeout: {
    flag: '--scrape-timeout',
    env: 'VANTAGE_AGENT_SCRAPE_TIMEOUT',
    default: '10s',
    schema: durationSchema(100),
    description: 'Longest one scrape may take (at most the interval); a slower target counts as down',
  },
  scrapeSampleLimit: {
    flag: '--scrape-sample-limit',
    env: 'VANTAGE_AGENT_SCRAPE_SAMPLE_LIMIT',
    default: '10000',
    schema: limitCountSchema,
    description:
      'Most samples one scrape of a target may expose; beyond it the scrape is dropped and up is 0',
  },
  scrapeBodyMaxBytes: {
    flag: '--scrape-body-max-bytes',
    env: 'VANTAGE_AGENT_SCRAPE_BODY_MAX_BYTES',
    default: String(16 * 1024 * 1024),
    schema: positiveIntSchema,
    description: 'Largest exposition a target may answer, after gunzip; beyond it the scrape is dropped',
  },
} as const satisfies Record<string, SettingSpec>;
