import { connect } from 'node:net';
import type { Socket } from 'node:net';

/** What came back on a raw connection: the status and body of the first answer, if any. */
export interface RawAnswer {
  readonly status: number | undefined;
  readonly headers: string;
  readonly body: string;
}

/** A TCP connection to a local port, open. */
export function openSocket(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Everything the server sends on `socket` until it closes the connection, split into its answer. */
export function answerUntilClosed(socket: Socket): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => undefined);
    socket.once('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const status = /^HTTP\/1\.1 (\d{3})/.exec(head)?.[1];
      resolve({
        status: status === undefined ? undefined : Number(status),
        headers: head,
        body: rest.join('\r\n\r\n'),
      });
    });
  });
}

/**
 * Sends `text` as is (however malformed) and reads the answer until the server closes: send
 * `Connection: close` in a well-formed request. The socket is not half-closed, since Node's server
 * drops requests still in progress when the client half-closes.
 */
export async function rawExchange(port: number, text: string | Buffer): Promise<RawAnswer> {
  const socket = await openSocket(port);
  const answer = answerUntilClosed(socket);
  socket.write(text);
  return answer;
}
