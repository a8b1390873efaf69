import { status as GrpcStatus } from '@grpc/grpc-js';
import { ProtobufWriter, errorBody } from '../../core/index.js';
import type { ErrorBody, VantageError } from '../../core/index.js';
import type { PointRejection } from '../../core/index.js';

/** What an export's answer reports: how many items (points or spans) were refused, and why. */
export interface ExportOutcome {
  readonly rejected: number;
  readonly rejections: readonly PointRejection[];
}

/** What the refused items are called in the answer: OTLP names the count field after them. */
export type ExportSignal = 'metrics' | 'traces';
const REFUSED: Record<ExportSignal, { json: string; text: string }> = {
  metrics: { json: 'rejectedDataPoints', text: 'data points' },
  traces: { json: 'rejectedSpans', text: 'spans' },
};

/*
 * What the OTLP receivers answer, as the OTLP specification (otlp.md, "OTLP/HTTP Response" and
 * "OTLP/gRPC Response") says: ExportMetricsServiceResponse (ExportTraceServiceResponse) with
 * partial_success when some points (spans) were refused; on failure google.rpc.Status, with RetryInfo when a retry can succeed (senders wait
 * its delay) and ErrorInfo carrying our VTG_ code, so the reason stays machine-readable.
 */

/** Rejections quoted in partial_success.error_message; the count covers them all. */
const QUOTED_REJECTIONS = 5;

/** The sender's log line for a partial success: how many, and the first reasons with their fields. */
export function partialSuccessMessage(result: ExportOutcome, signal: ExportSignal = 'metrics'): string {
  const quoted = result.rejections
    .slice(0, QUOTED_REJECTIONS)
    .map((r) => `${r.code} at ${r.field}: ${r.message}`)
    .join('; ');
  const more = result.rejections.length > QUOTED_REJECTIONS ? '; ...' : '';
  return `${result.rejected} ${REFUSED[signal].text} rejected: ${quoted}${more}`;
}

/**
 * ExportMetricsServiceResponse: partial_success = 1 { rejected_data_points = 1, error_message = 2 };
 * ExportTraceServiceResponse the same with rejected_spans = 1.
 */
export function exportResponseProtobuf(result: ExportOutcome, signal: ExportSignal = 'metrics'): Uint8Array {
  const w = new ProtobufWriter();
  if (result.rejected > 0) {
    w.messageField(1, (p) =>
      p.varintField(1, result.rejected).stringField(2, partialSuccessMessage(result, signal)),
    );
  }
  return w.finish();
}

/** The same in the JSON mapping (int64 as a decimal string). */
export function exportResponseJson(
  result: ExportOutcome,
  signal: ExportSignal = 'metrics',
): Record<string, unknown> {
  if (result.rejected === 0) return {};
  return {
    partialSuccess: {
      [REFUSED[signal].json]: String(result.rejected),
      errorMessage: partialSuccessMessage(result, signal),
    },
  };
}

/**
 * The gRPC status for one of our errors: what the OTLP spec lists for each case, so that senders
 * retry exactly what a retry can fix (UNAVAILABLE always; RESOURCE_EXHAUSTED only with RetryInfo).
 */
export function grpcStatusOf(err: VantageError): GrpcStatus {
  switch (err.statusCode) {
    case 401:
      return GrpcStatus.UNAUTHENTICATED;
    case 403:
      return GrpcStatus.PERMISSION_DENIED;
    case 429:
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 503:
      return GrpcStatus.UNAVAILABLE;
    case 504:
      return GrpcStatus.DEADLINE_EXCEEDED;
    default:
      return err.statusCode < 500 ? GrpcStatus.INVALID_ARGUMENT : GrpcStatus.INTERNAL;
  }
}

const ERROR_INFO = 'type.googleapis.com/google.rpc.ErrorInfo';
const RETRY_INFO = 'type.googleapis.com/google.rpc.RetryInfo';
const DOMAIN = 'vantage';

/**
 * google.rpc.Status { code = 1, message = 2, details = 3 (Any { type_url = 1, value = 2 }) } with
 * ErrorInfo { reason = 1, domain = 2, metadata = 3 (map<string,string>) } and, when the error says
 * when to retry, RetryInfo { retry_delay = 1 (Duration { seconds = 1 }) }. The body of an OTLP/HTTP
 * protobuf error, and gRPC's `grpc-status-details-bin` trailer.
 */
export function statusProtobuf(err: VantageError, code: number): Uint8Array {
  const w = new ProtobufWriter().varintField(1, code).stringField(2, `${err.code}: ${err.message}`);
  w.messageField(3, (any) =>
    any.stringField(1, ERROR_INFO).messageField(2, (info) => {
      info.stringField(1, err.code).stringField(2, DOMAIN);
      if (err.field !== undefined)
        info.messageField(3, (entry) => entry.stringField(1, 'field').stringField(2, err.field ?? ''));
    }),
  );
  if (err.retryAfter !== undefined) {
    const seconds = Math.max(1, Math.ceil(err.retryAfter));
    w.messageField(3, (any) =>
      any
        .stringField(1, RETRY_INFO)
        .messageField(2, (info) => info.messageField(1, (d) => d.varintField(1, seconds))),
    );
  }
  return w.finish();
}

/** The JSON body of an OTLP/HTTP error: google.rpc.Status in the JSON mapping, and our usual `error`. */
export function statusJson(err: VantageError, code: number): Record<string, unknown> & ErrorBody {
  const details: Record<string, unknown>[] = [
    {
      '@type': ERROR_INFO,
      reason: err.code,
      domain: DOMAIN,
      ...(err.field !== undefined ? { metadata: { field: err.field } } : {}),
    },
  ];
  if (err.retryAfter !== undefined) {
    details.push({ '@type': RETRY_INFO, retryDelay: `${Math.max(1, Math.ceil(err.retryAfter))}s` });
  }
  return { code, message: `${err.code}: ${err.message}`, details, ...errorBody(err) };
}
