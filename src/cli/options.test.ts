import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { AGENT_SETTINGS, ConfigError, parseAgentConfig } from '../config/index.js';
import { addSettingOptions, settingsText } from './options.js';

function agentConfig(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const command = addSettingOptions(new Command().exitOverride(), AGENT_SETTINGS);
  command.parse(argv, { from: 'user' });
  return parseAgentConfig(settingsText(AGENT_SETTINGS, command.opts(), env));
}

describe('a repeatable setting (vantage agent --scrape)', () => {
  it('takes every occurrence of the flag', () => {
    const config = agentConfig([
      '--scrape',
      'api=http://api:8080/metrics',
      '--scrape',
      'http://db:9187/metrics',
    ]);
    expect(config.scrape.map((t) => [t.job, t.url])).toEqual([
      ['api', 'http://api:8080/metrics'],
      ['prometheus', 'http://db:9187/metrics'],
    ]);
  });

  it('reads a comma-separated list from its variable, the flag winning over it', () => {
    const env = { VANTAGE_AGENT_SCRAPE: 'a=http://a/metrics, b=http://b/metrics' };
    expect(agentConfig([], env).scrape.map((t) => t.job)).toEqual(['a', 'b']);
    expect(agentConfig(['--scrape', 'c=http://c/metrics'], env).scrape.map((t) => t.job)).toEqual(['c']);
  });

  it('refuses a bad entry at boot, naming the flag and the variable', () => {
    expect(() => agentConfig(['--scrape', 'localhost:9100'])).toThrow(ConfigError);
    expect(() => agentConfig(['--scrape', 'localhost:9100'])).toThrow(
      /--scrape \/ VANTAGE_AGENT_SCRAPE = "localhost:9100": "localhost:9100" is not an http\(s\) URL/,
    );
  });

  it('has no targets, and the scrape defaults, when not given', () => {
    const config = agentConfig([]);
    expect(config.scrape).toEqual([]);
    expect(config.scrapeConfig).toBeUndefined();
    expect([config.scrapeInterval, config.scrapeTimeout, config.scrapeSampleLimit]).toEqual([
      15_000, 10_000, 10_000,
    ]);
  });
});
