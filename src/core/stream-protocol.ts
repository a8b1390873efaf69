/**
 * The message protocol of `GET /v1/stream` (WebSocket), shared by the query API and the dashboard.
 * docs/api.md describes it for people. Every message is one JSON text frame.
 */

/** Client to server: start receiving points that match every filter given (none: everything). */
export interface StreamSubscribe {
  readonly type: 'subscribe';
  /** Chosen by the client; names the subscription in `subscribed`, `data` and `error`. */
  readonly id: string;
  readonly service?: string;
  readonly metric?: string;
  /** Tag equality: a point matches when it carries each of these tags with this value. */
  readonly tags?: Readonly<Record<string, string>>;
}

/** Client to server: stop a subscription. */
export interface StreamUnsubscribe {
  readonly type: 'unsubscribe';
  readonly id: string;
}

export type StreamClientMessage = StreamSubscribe | StreamUnsubscribe;

/**
 * One partial minute aggregate of one series, as a collector published it on the bus. Several
 * partials of the same series and minute may arrive (one per collector flush): a client merges
 * them, adding counts and sums and taking the smaller min, the larger max and the later last.
 */
export interface StreamPoint {
  readonly service: string;
  readonly metric: string;
  readonly type: 'gauge' | 'counter';
  readonly tags: Readonly<Record<string, string>>;
  /** Start of the minute, epoch ms. */
  readonly t: number;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
  /** The value of the latest sample in this partial. */
  readonly last: number;
}

export type StreamServerMessage =
  | { readonly type: 'subscribed'; readonly id: string }
  | { readonly type: 'unsubscribed'; readonly id: string }
  | { readonly type: 'data'; readonly id: string; readonly points: readonly StreamPoint[] }
  | { readonly type: 'heartbeat'; readonly t: number }
  | {
      readonly type: 'error';
      readonly code: string;
      readonly message: string;
      readonly field?: string;
      /** The subscription the failed message named, when it named one. */
      readonly id?: string;
    };

/**
 * Close codes the server uses (4000-4999 is the application's range in RFC 6455), with the error
 * code as the close reason.
 */
export const STREAM_CLOSE_CODES = {
  /** The server is shutting down (RFC 6455 "going away"); reconnect to another instance. */
  goingAway: 1001,
  /** Over the connection cap after the upgrade raced another (RFC 6455 "try again later"). */
  tryAgainLater: 1013,
  /** The client read too slowly: its unsent data passed --stream-max-buffered-bytes. */
  slowConsumer: 4008,
  /** The client answered no ping for a whole heartbeat interval. */
  unresponsive: 4009,
} as const;
