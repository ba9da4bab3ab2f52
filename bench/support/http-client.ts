import { Agent, request as httpRequest } from 'node:http';

export type HttpAnswer = { status: number; body: string };

/**
 * The benches' HTTP client: `node:http` with kept-alive sockets and the bench's API key (fetch
 * costs a third of the CPU of a single-event phase).
 */
export function httpClient(key: string, maxSockets: number): { call(method: string, base: string, path: string, body?: string): Promise<HttpAnswer>; destroy(): void } {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    call: (method, base, path, body) =>
      new Promise((done, fail) => {
        const headers: Record<string, string | number> = { authorization: `Bearer ${key}` };
        if (body !== undefined) Object.assign(headers, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
        const request = httpRequest(`${base}${path}`, { method, agent, headers });
        request.on('response', (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => (text += chunk));
          response.on('end', () => done({ status: response.statusCode ?? 0, body: text }));
        });
        request.on('error', fail);
        request.end(body);
      }),
    destroy: () => agent.destroy(),
  };
}
