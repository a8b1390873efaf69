import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  MAX_SCRAPE_TARGETS,
  loadScrapeTargets,
  parseScrapeEntry,
  parseTargetsFile,
} from './scrape-targets.js';
import type { ScrapeTarget } from './scrape-targets.js';

describe('parseScrapeEntry', () => {
  it('reads URL and job=URL', () => {
    expect(parseScrapeEntry('http://localhost:8000/metrics')).toEqual({
      url: 'http://localhost:8000/metrics',
      job: 'prometheus',
      instance: 'localhost:8000',
      labels: {},
    });
    expect(parseScrapeEntry('api=https://api.internal/metrics?x=1')).toMatchObject({
      job: 'api',
      url: 'https://api.internal/metrics?x=1',
      instance: 'api.internal',
    });
  });

  it('says what is wrong with an entry', () => {
    expect(parseScrapeEntry('localhost:8000')).toMatch(/not an http\(s\) URL/);
    expect(parseScrapeEntry('my app=http://a/metrics')).toMatch(/job "my app" cannot name a service/);
  });
});

describe('parseTargetsFile (Prometheus file_sd JSON)', () => {
  it('builds URLs from host:port and the meta labels, keeping other labels as target labels', () => {
    const text = JSON.stringify([
      {
        targets: ['a:9100', 'b:9100'],
        labels: { job: 'node', team: 'infra', __meta_x: 'dropped', empty: '' },
      },
      {
        targets: ['c:443'],
        labels: {
          job: 'edge',
          __scheme__: 'https',
          __metrics_path__: '/stats',
          __param_format: 'prom',
          instance: 'c',
        },
      },
      { targets: ['d:80'] },
    ]);
    expect(parseTargetsFile(text, 'targets.json')).toEqual([
      { url: 'http://a:9100/metrics', job: 'node', instance: 'a:9100', labels: { team: 'infra' } },
      { url: 'http://b:9100/metrics', job: 'node', instance: 'b:9100', labels: { team: 'infra' } },
      { url: 'https://c/stats?format=prom', job: 'edge', instance: 'c', labels: {} },
      { url: 'http://d/metrics', job: 'prometheus', instance: 'd:80', labels: {} },
    ]);
  });

  it.each([
    ['not json', /targets\.json: not JSON/],
    ['{"targets": []}', /targets\.json: the file: /],
    ['[{"targets": ["a:1"], "lables": {}}]', /\[0\]: .*lables/],
    [
      '[{"targets": ["http://a:1/metrics"]}]',
      /\[0\]\.targets\[0\]: "http:\/\/a:1\/metrics" is not host:port/,
    ],
    ['[{"targets": ["a:1"], "labels": {"job": "x y"}}]', /\[0\]\.labels\.job: job "x y"/],
    ['[{"targets": ["a:1"], "labels": {"__scheme__": "ftp"}}]', /must be http or https/],
    ['[{"targets": ["a:1"], "labels": {"bad-name": "v"}}]', /label names are/],
  ])('refuses %s, naming the file and the entry', (text, reason) => {
    expect(() => parseTargetsFile(text, 'targets.json')).toThrow(reason);
  });
});

describe('loadScrapeTargets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vantage-scrape-targets-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('joins the flags and the file', async () => {
    const file = join(dir, 'ok.json');
    writeFileSync(file, JSON.stringify([{ targets: ['b:2'], labels: { job: 'b' } }]));
    const flag = parseScrapeEntry('a=http://a:1/metrics') as ScrapeTarget;
    expect((await loadScrapeTargets([flag], file)).map((t) => t.job)).toEqual(['a', 'b']);
  });

  it('refuses two targets that would file the same series', async () => {
    const a = parseScrapeEntry('a=http://h:1/metrics') as ScrapeTarget;
    const b = parseScrapeEntry('a=http://h:1/other') as ScrapeTarget;
    await expect(loadScrapeTargets([a, b], undefined)).rejects.toThrow(/share job "a" and instance "h:1"/);
  });

  it('refuses more targets than one agent scrapes', async () => {
    const many = Array.from({ length: MAX_SCRAPE_TARGETS + 1 }, (_, i) => ({
      url: `http://h:${i + 1}/metrics`,
      job: 'j',
      instance: `h:${i + 1}`,
      labels: {},
    }));
    await expect(loadScrapeTargets(many, undefined)).rejects.toThrow(/at most 1000 per agent/);
  });
});
