import { z } from 'zod';
import { portSchema } from '../../config/setting-spec.js';
import type { SettingSpec } from '../../config/setting-spec.js';

/**
 * A port, or `off`. 0 keeps the meaning it has for every other port (any free port, which tests
 * use), so turning a listener off needs a word of its own: a host that already runs an
 * OpenTelemetry Collector on 4317/4318 must still be able to start Vantage beside it.
 */
const otlpPortSchema = z.union([
  z
    .string()
    .trim()
    .toLowerCase()
    .pipe(z.literal('off'))
    .transform((): null => null),
  portSchema,
]);

/** The OTLP receivers' ports: the ones every OpenTelemetry exporter defaults to. */
export const OTLP_SETTINGS = {
  otlpHttpPort: {
    flag: '--otlp-http-port',
    env: 'VANTAGE_OTLP_HTTP_PORT',
    default: '4318',
    schema: otlpPortSchema,
    description: 'OTLP/HTTP port (POST /v1/metrics, POST /v1/traces; protobuf or JSON); `off` disables it',
  },
  otlpGrpcPort: {
    flag: '--otlp-grpc-port',
    env: 'VANTAGE_OTLP_GRPC_PORT',
    default: '4317',
    schema: otlpPortSchema,
    description: 'OTLP/gRPC port (MetricsService/Export, TraceService/Export); `off` disables it',
  },
} as const satisfies Record<string, SettingSpec>;

/** Where the OTLP receivers listen; null: not at all. */
export interface OtlpPorts {
  readonly http: number | null;
  readonly grpc: number | null;
}

export function otlpPorts(values: {
  readonly otlpHttpPort: number | null;
  readonly otlpGrpcPort: number | null;
}): OtlpPorts {
  return { http: values.otlpHttpPort, grpc: values.otlpGrpcPort };
}
