import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../config/index.js';
import { parseSettings } from '../../config/setting-spec.js';
import { OTLP_SETTINGS, otlpPorts } from './otlp-settings.js';

describe('the OTLP port settings', () => {
  it('default to the ports every OpenTelemetry exporter assumes', () => {
    const { values } = parseSettings(OTLP_SETTINGS, {});
    expect(otlpPorts(values as Parameters<typeof otlpPorts>[0])).toEqual({ http: 4318, grpc: 4317 });
  });

  it('take a port, 0 for any free one, or off', () => {
    const { values, problems } = parseSettings(OTLP_SETTINGS, { otlpHttpPort: 'OFF', otlpGrpcPort: '0' });
    expect(problems).toEqual([]);
    expect(values).toEqual({ otlpHttpPort: null, otlpGrpcPort: 0 });
  });

  it('refuse anything else, naming the flag and variable', () => {
    const { problems } = parseSettings(OTLP_SETTINGS, { otlpGrpcPort: 'no' });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain('--otlp-grpc-port / VANTAGE_OTLP_GRPC_PORT = "no"');
  });

  it('clash with another port of the same process', () => {
    expect(() => parseConfig({ collectorPort: '4318' })).toThrow(ConfigError);
    expect(() => parseConfig({ collectorPort: '4318' })).toThrow(
      '--otlp-http-port = 4318 is already taken by --collector-port',
    );
    expect(parseConfig({ collectorPort: '4318', otlpHttpPort: 'off' }).otlpHttpPort).toBeNull();
  });
});
