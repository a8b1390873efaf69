import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** A request function and the one keep-alive connection it reuses, for one URL's scheme. */
export interface KeepAliveTransport {
  readonly request: typeof httpRequest;
  readonly agent: HttpAgent | HttpsAgent;
}

/**
 * One keep-alive connection to `url`'s host, over TLS for https:// (node:https, and TLS with it, is
 * loaded only then). The agent's requests to the collector and its scrapes each hold one.
 */
export function keepAliveTransport(url: URL): Promise<KeepAliveTransport> {
  if (url.protocol !== 'https:')
    return Promise.resolve({
      request: httpRequest,
      agent: new HttpAgent({ keepAlive: true, maxSockets: 1 }),
    });
  return import('node:https').then((https) => ({
    request: https.request as typeof httpRequest,
    agent: new https.Agent({ keepAlive: true, maxSockets: 1 }),
  }));
}
