import { ConsoleLogger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService } from '@tessera/platform';
import { AppModule } from './app.module';
import { Runtime } from './runtime';

/** Builds the HTTP application on Fastify (DESIGN §10: about twice Express's throughput under Nest). */
export async function createApp(runtime: Runtime, options: { logger?: ConsoleLogger | false } = {}): Promise<NestFastifyApplication> {
  const { bodyLimitBytes } = runtime.config;
  const adapter = new FastifyAdapter({ bodyLimit: bodyLimitBytes.batch, logger: false, return503OnClosing: true });
  const fastify = adapter.getInstance();
  // A single event may be at most 1 MiB; Fastify refuses a larger body from its Content-Length or
  // as soon as the stream passes the limit, without buffering it all.
  fastify.addHook('onRoute', (route) => {
    if (route.url === '/v1/events' && route.method === 'POST') route.bodyLimit = bodyLimitBytes.single;
  });
  // JSON only: a text/plain body is refused with 415, not parsed as a string.
  fastify.removeContentTypeParser(['text/plain']);
  // Fastify's own errors (bad JSON, media type, size) reach Nest's error handler and so the
  // global ProblemDetailsFilter, like every other error.

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRuntime(runtime), adapter, {
    logger: options.logger ?? new ConsoleLogger({ json: true, logLevels: logLevels(runtime.config.logLevel) }),
    abortOnError: false,
  });
  await app.get(ApiKeysService).ensureAdminKey(runtime.adminKey.key, runtime.adminKey.source === 'env');
  return app;
}

function logLevels(level: Runtime['config']['logLevel']): ('debug' | 'log' | 'warn' | 'error' | 'fatal')[] {
  const all = ['debug', 'log', 'warn', 'error', 'fatal'] as const;
  const from = { debug: 0, info: 1, warn: 2, error: 3 }[level];
  return all.slice(from);
}
