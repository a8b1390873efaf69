/**
 * The catalog of coded errors: every error a client or operator can see, with its HTTP status and
 * message template. docs/errors.md lists the same codes; src/core/errors.test.ts keeps them in step.
 */
export const ERRORS = {
  VTG_INGEST_PAYLOAD_TOO_LARGE: {
    status: 413,
    message: 'The request body is larger than {limit} bytes (after decompression)',
  },
  VTG_INGEST_BATCH_TOO_LARGE: { status: 413, message: 'A request may carry at most {limit} metrics' },
  VTG_INGEST_UNSUPPORTED_MEDIA_TYPE: { status: 415, message: 'Send the body as application/json' },
  VTG_INGEST_UNSUPPORTED_ENCODING: {
    status: 415,
    message: 'Content-Encoding {encoding} is not supported; use gzip or none',
  },
  VTG_INGEST_MALFORMED_BODY: {
    status: 400,
    message: 'The body is not valid JSON or not valid gzip: {reason}',
  },
  VTG_INGEST_INVALID_ENVELOPE: { status: 400, message: 'The body must be {"metrics": [...]}: {reason}' },
  VTG_INGEST_INVALID_SAMPLE: { status: 400, message: '{reason}' },
  VTG_INGEST_NON_FINITE_VALUE: { status: 400, message: 'The value must be a finite number' },
  VTG_INGEST_VALUE_OUT_OF_RANGE: {
    status: 400,
    message: 'The value must lie between -{limit} and {limit}, so that sums of samples stay finite',
  },
  VTG_INGEST_TOO_MANY_TAGS: { status: 400, message: 'A metric may carry at most {limit} tags' },
  VTG_INGEST_NAME_TOO_LONG: { status: 400, message: 'The name is longer than {limit} characters' },
  VTG_INGEST_VALUE_TOO_LONG: { status: 400, message: 'The tag value is longer than {limit} characters' },
  VTG_INGEST_TIMESTAMP_INVALID: {
    status: 400,
    message: 'The timestamp must be epoch milliseconds or RFC 3339',
  },
  VTG_INGEST_TIMESTAMP_TOO_OLD: { status: 400, message: 'The timestamp is more than {limit} in the past' },
  VTG_INGEST_TIMESTAMP_IN_FUTURE: {
    status: 400,
    message: 'The timestamp is more than {limit} in the future',
  },
  VTG_INGEST_SERIES_LIMIT: {
    status: 400,
    message:
      'New series refused: {what} has its limit of {limit} active series ({scope} limit, {setting}); series already active are still accepted',
  },
  VTG_INGEST_OVERLOADED: {
    status: 503,
    message: 'The collector is saturated ({pending} metrics waiting); retry after {retryAfter} s',
  },
  VTG_INGEST_BUS_UNAVAILABLE: { status: 503, message: 'The pipeline could not store the batch: {reason}' },
  // POST /api/v1/write (Prometheus remote_write), src/ingest/remote-write.
  VTG_REMOTE_WRITE_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message:
      'Content-Type {type} is not a remote_write message read here: send application/x-protobuf (prometheus.WriteRequest) or application/x-protobuf;proto=io.prometheus.write.v2.Request',
  },
  VTG_REMOTE_WRITE_UNSUPPORTED_ENCODING: {
    status: 415,
    message: 'Content-Encoding {encoding} is not supported: remote_write bodies are snappy (block format)',
  },
  VTG_REMOTE_WRITE_UNDECODABLE: {
    status: 400,
    message: 'The remote_write body could not be decoded: {reason}',
  },
  VTG_REMOTE_WRITE_PARTIAL_WRITE: {
    status: 400,
    message: '{rejected} of {total} samples were refused and {written} written; the first refusal: {first}',
  },
  // OTLP (src/ingest/otlp): what only the OpenTelemetry receivers refuse; the rest as above.
  VTG_OTLP_MALFORMED_REQUEST: {
    status: 400,
    message: 'The body is not an OTLP export request: {reason}',
  },
  VTG_OTLP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Content-Type {type} is not OTLP/HTTP: send application/x-protobuf or application/json',
  },
  // Traces (src/ingest/otlp): one span refused, listed in partial_success; the rest are kept.
  VTG_TRACE_SPAN_INVALID_ID: {
    status: 400,
    message: 'The {what} must be {bytes} bytes ({hex} hex digits), not all zero',
  },
  VTG_TRACE_END_BEFORE_START: { status: 400, message: 'The span ends before it starts' },
  VTG_TRACE_TOO_MANY: { status: 400, message: 'A span may carry at most {limit} {what}' },
  VTG_TRACE_TOO_LONG: { status: 400, message: 'The {what} is longer than {limit} characters' },
  VTG_TRACE_INVALID_SPAN: { status: 400, message: '{reason}' },
  VTG_AUTH_MISSING_KEY: {
    status: 401,
    message: 'An API key is required: send Authorization: Bearer <key> or X-API-Key',
  },
  VTG_AUTH_INVALID_KEY: { status: 401, message: 'The API key is not valid' },
  VTG_AUTH_THROTTLED: {
    status: 429,
    message:
      'Too many failed authentications from this address (limit {limit} per minute); retry after {retryAfter} s',
  },
  VTG_RATE_LIMITED: {
    status: 429,
    message: 'Rate limit of {limit} requests per minute exceeded; retry after {retryAfter} s',
  },
  VTG_QUERY_INVALID_PARAMETER: { status: 400, message: '{reason}' },
  VTG_QUERY_INVALID_TIME: {
    status: 400,
    message: 'Not a time: {value} (use epoch ms, RFC 3339, now or a relative time such as -1h)',
  },
  VTG_QUERY_INVALID_RANGE: { status: 400, message: '{reason}' },
  VTG_QUERY_TOO_MANY_POINTS: {
    status: 400,
    message:
      'The query would return {points} points per series; the limit is {limit}: raise step or narrow the range',
  },
  VTG_QUERY_TOO_MANY_SERIES: {
    status: 422,
    message:
      'The answer would hold more than {limit} series ({setting}): filter on more tags, group by fewer keys, or query one metric at a time',
  },
  VTG_QUERY_ANSWER_TOO_LARGE: {
    status: 422,
    message:
      'The answer would hold more than {limit} points ({setting}): raise the step (a larger time_bucket), narrow the range, or select fewer series',
  },
  VTG_QUERY_TOO_COSTLY: {
    status: 422,
    message:
      'The query would read about {estimate} {what}, over the limit of {limit} ({setting}): filter on tags, narrow the range or raise the step',
  },
  VTG_QUERY_TIMEOUT: {
    status: 504,
    message:
      'The query did not finish within {seconds} s: narrow the time range, use a coarser time_bucket or select fewer series',
  },
  VTG_QUERY_UNKNOWN_SERVICE: { status: 404, message: 'No service {service} has sent metrics' },
  VTG_QUERY_OVERLOADED: {
    status: 503,
    message:
      'Every query thread is busy and {queued} queries are waiting (--query-queue-max); retry after {retryAfter} s',
  },
  VTG_QUERY_THREAD_FAILED: {
    status: 500,
    message: 'The query thread stopped before it answered ({reason}); a new thread takes its place',
  },
  // Traces: GET /v1/traces, /v1/service-map and the Jaeger query API (src/api/trace-routes.ts).
  VTG_TRACE_NOT_FOUND: { status: 404, message: 'No trace {traceId} is stored (unknown, or past retention)' },
  VTG_TRACE_INVALID_ID: {
    status: 400,
    message: 'Not a trace id: {value} (32 hex digits; 16 are zero-padded)',
  },
  VTG_TRACE_INVALID_TAG: { status: 400, message: 'Not a tag condition: {value} ({reason})' },
  VTG_TRACE_INVALID_DURATION: {
    status: 400,
    message: 'Not a duration: {value} (a number of ms, or Go syntax such as 1.5s, 200ms, 300us)',
  },
  // VQL (src/query): each names the position of the token at fault.
  VTG_VQL_QUERY_TOO_LONG: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_SYNTAX_ERROR: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_COMMENT_NOT_ALLOWED: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_MULTIPLE_STATEMENTS: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNKNOWN_TABLE: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNKNOWN_COLUMN: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNKNOWN_FUNCTION: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_SELECT_STAR: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_UNAGGREGATED_VALUE: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_NOT_GROUPED: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_DUPLICATE_COLUMN: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_ARGUMENT: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_CONDITION: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_TIME: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_TIME_RANGE: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_ORDER_BY: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_INVALID_LIMIT: { status: 400, message: '{reason} at line {line}, column {column}' },
  VTG_VQL_TOO_COMPLEX: { status: 400, message: '{reason} at line {line}, column {column}' },
  // GET /v1/stream (WebSocket): refusals before the upgrade are HTTP answers; the rest are
  // `error` messages on the open socket, or close reasons (their status is nominal).
  VTG_STREAM_UPGRADE_REQUIRED: {
    status: 426,
    message: 'GET /v1/stream is a WebSocket endpoint: open it with a WebSocket client',
  },
  VTG_STREAM_ORIGIN_NOT_ALLOWED: {
    status: 403,
    message: 'Origin {origin} may not open the stream (see --stream-allowed-origins)',
  },
  VTG_STREAM_TICKET_REQUIRED: {
    status: 401,
    message:
      'API keys are configured: open the stream with ?ticket= from POST /v1/stream/ticket, or send the key in a header',
  },
  VTG_STREAM_TICKET_INVALID: { status: 401, message: 'The ticket is not one this server issued' },
  VTG_STREAM_TICKET_EXPIRED: {
    status: 401,
    message: 'The ticket expired; get a new one from POST /v1/stream/ticket',
  },
  VTG_STREAM_TICKET_USED: { status: 401, message: 'The ticket was already used; a ticket opens one stream' },
  VTG_STREAM_TOO_MANY_CONNECTIONS: {
    status: 503,
    message: 'The server holds its maximum of {limit} streams; retry after {retryAfter} s',
  },
  VTG_STREAM_UNAVAILABLE: { status: 503, message: 'Streaming is not available: {reason}' },
  VTG_STREAM_INVALID_MESSAGE: { status: 400, message: '{reason}' },
  VTG_STREAM_TOO_MANY_SUBSCRIPTIONS: {
    status: 400,
    message: 'A stream may hold at most {limit} subscriptions; unsubscribe one first',
  },
  VTG_STREAM_DUPLICATE_SUBSCRIPTION: {
    status: 400,
    message: 'A subscription {id} already exists on this stream; unsubscribe it or pick another id',
  },
  VTG_STREAM_UNKNOWN_SUBSCRIPTION: { status: 400, message: 'No subscription {id} on this stream' },
  VTG_STREAM_SLOW_CONSUMER: {
    status: 408,
    message: 'Dropped: the client read too slowly and more than {limit} bytes waited to be sent',
  },
  VTG_STREAM_UNRESPONSIVE: {
    status: 408,
    message: 'Dropped: the client answered no ping within {interval}',
  },
  // Notifications (src/alerting/notify): silences and notifiers through the API.
  VTG_NOTIFY_SILENCE_INVALID: { status: 400, message: 'The silence is not valid: {reason}' },
  VTG_NOTIFY_SILENCE_NOT_FOUND: { status: 404, message: 'No silence {id}' },
  VTG_NOTIFY_SILENCE_LIMIT: {
    status: 422,
    message: 'There are {limit} silences in force or pending (--alert-max-silences): expire one first',
  },
  VTG_NOTIFY_NOTIFIER_INVALID: { status: 400, message: 'The notifier is not valid: {reason}' },
  VTG_NOTIFY_NOTIFIER_NOT_FOUND: { status: 404, message: 'No notifier {name}' },
  VTG_NOTIFY_NOTIFIER_READ_ONLY: {
    status: 409,
    message: 'The notifier {name} comes from {where}: change it there',
  },
  VTG_NOTIFY_NOTIFIER_LIMIT: {
    status: 422,
    message: 'There are {limit} notifiers (--alert-max-notifiers): delete one first',
  },
  // Recorded on a notification (GET /v1/notifications), not answered to a request.
  VTG_NOTIFY_QUEUE_FULL: {
    status: 503,
    message: 'The notification queue holds its limit of {limit} (--alert-notify-queue-max)',
  },
  // Refusals at start: the process stops with the message (the status is nominal).
  VTG_CONFIG_KAFKA_CLIENT_MISSING: {
    status: 500,
    message:
      'The distributed roles need the Kafka client, @confluentinc/kafka-javascript, which {problem}. Embedded Vantage (vantage start) needs no Kafka. To install it on Debian or Ubuntu: bash scripts/install-kafka-client-deps.sh && CKJS_LINKING=dynamic npm ci; on a platform with a prebuilt binary (Linux x64/arm64 glibc or musl, macOS arm64, Windows x64; Node 22 or 24) that GitHub can be reached from: npm install @confluentinc/kafka-javascript@{version}',
  },
  VTG_HTTP_NOT_FOUND: { status: 404, message: 'No route {method} {url}' },
  // Refusals of the HTTP layer itself, on every port, before or while a request is read.
  VTG_HTTP_BAD_REQUEST: { status: 400, message: 'Bad request: {reason}' },
  VTG_HTTP_INVALID_URL: { status: 400, message: 'The URL is not valid: {reason}' },
  VTG_HTTP_MALFORMED_BODY: { status: 400, message: 'The body is not valid JSON: {reason}' },
  VTG_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    message:
      'The request was not received in time (--http-headers-timeout, --http-request-timeout); the connection is closed',
  },
  VTG_HTTP_BODY_TOO_LARGE: { status: 413, message: 'The request body is larger than {limit} bytes' },
  VTG_HTTP_UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    message: 'Content-Type {type} is not accepted here; send application/json',
  },
  VTG_HTTP_HEADERS_TOO_LARGE: {
    status: 431,
    message: 'The request headers are larger than the server accepts (16 KiB in all)',
  },
  // Alerting (src/alerting): rules files, the rules API, evaluation.
  VTG_RULES_INVALID: { status: 400, message: 'The rules are refused: {problem}' },
  VTG_RULES_GROUP_NOT_FOUND: { status: 404, message: 'No rule group is named {group}' },
  VTG_RULES_READ_ONLY: {
    status: 409,
    message: 'The rule group {group} comes from the rules file {file}: change it there, not through the API',
  },
  VTG_RULES_TOO_MANY: {
    status: 400,
    message: 'The rules in force would number {count}, over the limit of {limit} (--alert-max-rules)',
  },
  VTG_ALERT_TOO_MANY_INSTANCES: {
    status: 422,
    message:
      'The rule returned {count} rows, over the limit of {limit} alert instances per rule (--alert-max-instances-per-rule); the rest were dropped',
  },
  VTG_ALERT_EVALUATION_FAILED: { status: 500, message: 'The rule could not be evaluated: {reason}' },
  VTG_PIPELINE_STALLED: {
    status: 503,
    message:
      'The pipeline is stalled: the workers have committed nothing since {since} ({seconds} s) while {backlog} {unit} wait in the bus',
  },
  VTG_SERVICE_UNAVAILABLE: { status: 503, message: 'Not ready: {reason}' },
  VTG_SERVER_INTERNAL_ERROR: { status: 500, message: 'Internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** 1-based line and column (UTF-16 code units) and 0-based offset of a place in a text. */
export interface TextPosition {
  readonly line: number;
  readonly column: number;
  readonly offset: number;
}

export type ErrorParams = Readonly<Record<string, string | number>>;

export function formatMessage(code: ErrorCode, params: ErrorParams = {}): string {
  return ERRORS[code].message.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

/** An error a client or operator sees, with its catalog code and the field at fault. */
export class VantageError extends Error {
  readonly code: ErrorCode;
  readonly statusCode: number;
  readonly field: string | undefined;
  /** Seconds the client should wait, for 429 and 503. */
  readonly retryAfter: number | undefined;
  /** Where in a query text the fault is (VQL), for clients that underline it. */
  readonly position: TextPosition | undefined;

  constructor(
    code: ErrorCode,
    options: {
      params?: ErrorParams;
      field?: string;
      cause?: unknown;
      retryAfter?: number;
      message?: string;
      position?: TextPosition;
    } = {},
  ) {
    super(options.message ?? formatMessage(code, options.params), { cause: options.cause });
    Object.setPrototypeOf(this, new.target.prototype);
    this.name = new.target.name;
    this.code = code;
    this.statusCode = ERRORS[code].status;
    this.field = options.field;
    this.retryAfter = options.retryAfter;
    this.position = options.position;
  }
}

/** The body of every error response. */
export interface ErrorBody {
  error: { code: ErrorCode; message: string; field?: string; position?: TextPosition };
}

export function errorBody(err: VantageError): ErrorBody {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.field !== undefined ? { field: err.field } : {}),
      ...(err.position !== undefined ? { position: err.position } : {}),
    },
  };
}
