/**
 * Which web pages may open a stream. Browsers send `Origin` on every WebSocket request and let any
 * page open one to any host, carrying the user's cookies and network position: the check is what
 * stops another site's page from reading the stream. Clients that are not browsers send no Origin
 * and are let through (they authenticate like any API client).
 *
 * Allowed: no Origin; an Origin whose host is the Host the request was sent to (the dashboard
 * served by this API); an origin listed in `--stream-allowed-origins`; anything with `*`.
 */
export class OriginPolicy {
  private readonly any: boolean;
  private readonly listed: ReadonlySet<string>;

  constructor(allowed: readonly string[]) {
    this.any = allowed.includes('*');
    this.listed = new Set(allowed.filter((o) => o !== '*').map(normalizeOrigin));
  }

  allows(origin: string | undefined, host: string | undefined): boolean {
    if (origin === undefined || this.any) return true;
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      // `null` (a sandboxed frame, a file: page) and anything unparsable.
      return false;
    }
    if (this.listed.has(url.origin)) return true;
    return host !== undefined && url.host === host.toLowerCase();
  }
}

/** `HTTPS://Dash.example.com:443/` and `https://dash.example.com` name one origin. */
export function normalizeOrigin(text: string): string {
  return new URL(text).origin;
}
