import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { loadConfig } from '@tessera/platform';
import { createApp } from '../../apps/tessera/src/create-app';
import { Runtime, startRuntime } from '../../apps/tessera/src/runtime';

export const ADMIN_KEY = 'e2e-admin-key-0123456789abcdef';

/** The real app on a real database, listening on a free port; tests talk to it over HTTP. */
export type TestApp = { url: string; runtime: Runtime; app: NestFastifyApplication; routes: ServedRoute[]; close(): Promise<void> };

/** A route as Fastify registered it, e.g. `{ method: 'GET', url: '/v1/customers/:id' }` (HEAD included). */
export type ServedRoute = { method: string; url: string };

export async function startTestApp(databaseUrl: string, env: Record<string, string> = {}): Promise<TestApp> {
  const config = loadConfig({ DATABASE_URL: databaseUrl, TESSERA_ADMIN_KEY: ADMIN_KEY, PORT: '0', HOST: '127.0.0.1', TESSERA_DATA_DIR: '/nonexistent', ...env });
  const runtime = await startRuntime(config);
  // The hook is added before any route is (the API docs' routes are added in createApp, Nest's at listen).
  const routes: ServedRoute[] = [];
  const app = await createApp(runtime, {
    logger: false,
    onRoute: (route) => {
      for (const method of [route.method].flat()) routes.push({ method, url: route.url });
    },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    runtime,
    app,
    routes,
    close: async () => {
      await app.close();
      await runtime.stop();
    },
  };
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON response body; specs assert its shape with expect()
export type Answer = { status: number; headers: Headers; body: any };

export async function call(url: string, method: string, path: string, options: { key?: string | null; body?: unknown; raw?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = {};
  const key = options.key === undefined ? ADMIN_KEY : options.key;
  if (key !== null) headers.authorization = `Bearer ${key}`;
  const payload = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
  if (payload !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
  const response = await fetch(`${url}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: response.status, headers: response.headers, body };
}
