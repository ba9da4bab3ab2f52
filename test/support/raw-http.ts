import { Socket, connect } from 'node:net';
import { CORRECTNESS_DEADLINE_MS } from './eventually';

/** An answer read off a raw socket, and the socket (to see the server close it). */
export type RawAnswer = { status: number; headers: Record<string, string>; body: string; socket: Socket };

/**
 * Sends a request head and the first `firstBytes` of a body that claims `declaredBytes`
 * (Content-Length, or chunked), then stalls like a slow client and waits for the answer. A
 * server that reads the whole body before answering never answers: the wait fails at `deadlineMs`.
 */
export function stalledUpload(url: string, path: string, options: { headers: [string, string][]; declaredBytes: number; firstBytes: number; chunked?: boolean; deadlineMs?: number }): Promise<RawAnswer> {
  const framing: [string, string] = options.chunked ? ['Transfer-Encoding', 'chunked'] : ['Content-Length', String(options.declaredBytes)];
  const first = Buffer.alloc(options.firstBytes, '{');
  const body = options.chunked ? Buffer.concat([Buffer.from(`${first.length.toString(16)}\r\n`), first, Buffer.from('\r\n')]) : first;
  return rawRequest(url, head('POST', path, [...options.headers, ['Content-Type', 'application/json'], framing]), body, options.deadlineMs ?? CORRECTNESS_DEADLINE_MS);
}

/** One request with exactly the given header lines (repeated names included). */
export function rawGet(url: string, path: string, headers: [string, string][]): Promise<RawAnswer> {
  return rawRequest(url, head('GET', path, headers), Buffer.alloc(0), CORRECTNESS_DEADLINE_MS);
}

/** Resolves when the server has ended the connection (FIN or reset). */
export function serverClosed(socket: Socket): Promise<void> {
  if (socket.readableEnded || socket.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    socket.once('end', () => resolve());
    socket.once('close', () => resolve());
  });
}

function head(method: string, path: string, headers: [string, string][]): Buffer {
  return Buffer.from(`${method} ${path} HTTP/1.1\r\nHost: test\r\n${headers.map(([name, value]) => `${name}: ${value}\r\n`).join('')}\r\n`);
}

function rawRequest(url: string, requestHead: Buffer, body: Buffer, deadlineMs: number): Promise<RawAnswer> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let received = Buffer.alloc(0);
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no complete answer within ${deadlineMs} ms (the server waits for the rest of the body?)`));
    }, deadlineMs);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parse(received);
      if (!answer) return;
      clearTimeout(deadline);
      socket.removeAllListeners('data');
      resolve({ ...answer, socket });
    });
    socket.write(Buffer.concat([requestHead, body]));
  });
}

/** A complete HTTP/1.1 answer with Content-Length, or undefined while more is to come. */
function parse(received: Buffer): Omit<RawAnswer, 'socket'> | undefined {
  const end = received.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = received.subarray(0, end).toString('latin1').split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  if (received.length < end + 4 + length) return undefined;
  return { status: Number(statusLine.split(' ')[1]), headers, body: received.subarray(end + 4, end + 4 + length).toString('utf8') };
}
