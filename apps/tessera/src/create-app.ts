import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { onRouteHookHandler } from 'fastify';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService, hardenFastify, hardenedServerOptions } from '@tessera/platform';
import { AppModule } from './app.module';
import { hardenHttp } from './harden-http';
import { Runtime } from './runtime';

/** Builds the HTTP application on Fastify (DESIGN §10: about twice Express's throughput under Nest). */
export async function createApp(runtime: Runtime, options: { logger?: ConsoleLogger | false; onRoute?: onRouteHookHandler } = {}): Promise<NestFastifyApplication> {
  const { bodyLimitBytes } = runtime.config;
  const adapter = new FastifyAdapter({ bodyLimit: bodyLimitBytes.batch, logger: false, return503OnClosing: true, ...hardenedServerOptions() });
  const fastify = adapter.getInstance();
  // JSON bodies only (text/plain and forms: 415), with storable text, finite numbers and bounded
  // depth; single, storable query parameters.
  hardenFastify(fastify);
  // Sees every route, the API docs' too (tests walk them all).
  if (options.onRoute) fastify.addHook('onRoute', options.onRoute);
  // A single event may be at most 1 MiB; Fastify refuses a larger body from its Content-Length or
  // as soon as the stream passes the limit, without buffering it all.
  fastify.addHook('onRoute', (route) => {
    if (route.url === '/v1/events' && route.method === 'POST') route.bodyLimit = bodyLimitBytes.single;
  });
  // Fastify's own errors (bad JSON, media type, size) reach Nest's error handler and so the
  // global ProblemDetailsFilter, like every other error.

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime), adapter, {
    logger: options.logger ?? new ConsoleLogger({ json: true, logLevels: logLevels(runtime.config.logLevel) }),
    abortOnError: false,
    // hardenFastify registers the only body parser (JSON); Nest's would replace it.
    bodyParser: false,
  });
  await hardenHttp(app, runtime.config);
  await app.get(ApiKeysService).ensureAdminKey(runtime.adminKey.key, runtime.adminKey.source === 'env');
  return app;
}

function logLevels(level: Runtime['config']['logLevel']): ('debug' | 'log' | 'warn' | 'error' | 'fatal')[] {
  const all = ['debug', 'log', 'warn', 'error', 'fatal'] as const;
  const from = { debug: 0, info: 1, warn: 2, error: 3 }[level];
  return all.slice(from);
}
