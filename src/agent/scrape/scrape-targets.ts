import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { METRIC_LIMITS } from '../../core/index.js';

/** One endpoint the agent scrapes, and what Prometheus would call its target labels. */
export interface ScrapeTarget {
  readonly url: string;
  /** The `job` label: the service the target's samples are filed under. */
  readonly job: string;
  /** The `instance` label: host:port unless the targets file names it. */
  readonly instance: string;
  /** Target labels besides job and instance, from the targets file. */
  readonly labels: Readonly<Record<string, string>>;
}

/** The job when none is given, as for remote_write without a `job` label (docs/ingest.md). */
export const DEFAULT_JOB = 'prometheus';

/**
 * Targets one agent scrapes, at most. They come from its own flags and file, not from clients, but
 * each holds a connection, a timer and counter state: a cap keeps a generated file from turning
 * one agent into a fleet's scraper by accident.
 */
export const MAX_SCRAPE_TARGETS = 1_000;

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// `job=URL`: the job is what precedes the first `=`, when what follows is an http(s) URL.
const JOB_PREFIX = /^([^=]+)=(https?:\/\/.+)$/;

function jobProblem(job: string): string | undefined {
  if (!METRIC_LIMITS.servicePattern.test(job) || job.length > METRIC_LIMITS.serviceMaxLength)
    return `job "${job}" cannot name a service: letters, digits and _ . : / - only, at most ${METRIC_LIMITS.serviceMaxLength}`;
  return undefined;
}

function httpUrl(text: string): URL | undefined {
  if (!URL.canParse(text)) return undefined;
  const url = new URL(text);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url : undefined;
}

/** One `--scrape` entry, `URL` or `job=URL`, as a target; a string says what is wrong. */
export function parseScrapeEntry(entry: string): ScrapeTarget | string {
  const prefixed = JOB_PREFIX.exec(entry);
  const job = prefixed?.[1] ?? DEFAULT_JOB;
  const url = httpUrl(prefixed?.[2] ?? entry);
  if (url === undefined) return `"${entry}" is not an http(s) URL, nor job=URL`;
  const problem = jobProblem(job);
  if (problem !== undefined) return problem;
  return { url: url.href, job, instance: url.host, labels: {} };
}

/** Prometheus' file_sd format: `[{"targets": ["host:port"], "labels": {"job": "api"}}]`. */
const targetGroupsSchema = z.array(
  z.strictObject({
    targets: z.array(z.string().min(1, 'a target is host:port')),
    labels: z.record(z.string(), z.string()).optional(),
  }),
);

/**
 * Targets from a file in Prometheus' file_sd JSON format. Meta labels work as in Prometheus:
 * `__scheme__` (http), `__metrics_path__` (/metrics) and `__param_<name>` make the URL; other
 * labels starting with `__` are dropped; `job` names the service, `instance` defaults to host:port.
 * Throws an Error naming the file and the entry at fault.
 */
export function parseTargetsFile(text: string, source: string): ScrapeTarget[] {
  const fail: (where: string, why: string) => never = (where, why) => {
    throw new Error(`${source}: ${where}: ${why}`);
  };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    fail('not JSON', (err as Error).message);
  }
  const parsed = targetGroupsSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(issue?.path.length ? `[${issue.path.join('][')}]` : 'the file', issue?.message ?? 'invalid');
  }
  const targets: ScrapeTarget[] = [];
  for (const [g, group] of (parsed.data ?? []).entries()) {
    const meta = group.labels ?? {};
    for (const name of Object.keys(meta))
      if (!LABEL_NAME.test(name)) fail(`[${g}].labels`, `"${name}": label names are [a-zA-Z_][a-zA-Z0-9_]*`);
    const scheme = meta.__scheme__ ?? 'http';
    if (scheme !== 'http' && scheme !== 'https') fail(`[${g}].labels.__scheme__`, 'must be http or https');
    const path = meta.__metrics_path__ ?? '/metrics';
    const job = meta.job ?? DEFAULT_JOB;
    const problem = jobProblem(job);
    if (problem !== undefined) fail(`[${g}].labels.job`, problem);
    const labels: Record<string, string> = {};
    for (const [name, value] of Object.entries(meta))
      if (!name.startsWith('__') && name !== 'job' && name !== 'instance' && value !== '')
        labels[name] = value;
    for (const [t, address] of group.targets.entries()) {
      const url = httpUrl(`${scheme}://${address}${path.startsWith('/') ? '' : '/'}${path}`);
      if (url === undefined || /[/?#@\s]/.test(address))
        fail(`[${g}].targets[${t}]`, `"${address}" is not host:port`);
      for (const [name, value] of Object.entries(meta))
        if (name.startsWith('__param_')) url.searchParams.set(name.slice('__param_'.length), value);
      targets.push({ url: url.href, job, instance: meta.instance ?? address, labels });
    }
  }
  return targets;
}

/**
 * The targets of `--scrape` and `--scrape-config` together, refused at boot when two would file
 * the same series (same job and instance) or when there are more than MAX_SCRAPE_TARGETS.
 */
export async function loadScrapeTargets(
  fromFlags: readonly ScrapeTarget[],
  configFile: string | undefined,
): Promise<ScrapeTarget[]> {
  const fromFile =
    configFile === undefined ? [] : parseTargetsFile(await readFile(configFile, 'utf8'), configFile);
  const targets = [...fromFlags, ...fromFile];
  if (targets.length > MAX_SCRAPE_TARGETS)
    throw new Error(`${targets.length} scrape targets: at most ${MAX_SCRAPE_TARGETS} per agent`);
  const seen = new Map<string, string>();
  for (const target of targets) {
    const key = `${target.job}\u0000${target.instance}`;
    const other = seen.get(key);
    if (other !== undefined)
      throw new Error(
        `scrape targets ${other} and ${target.url} share job "${target.job}" and instance "${target.instance}": their series would mix`,
      );
    seen.set(key, target.url);
  }
  return targets;
}
