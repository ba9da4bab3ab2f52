import rateLimit from '@fastify/rate-limit';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService, authenticateOnRequest, TesseraConfig, recordHttpMetrics, addSecurityHeaders } from '@tessera/platform';
import { serveApiDocs } from './api-docs';

/** Counters kept per instance (keys and client addresses), least recently used dropped first. */
const RATE_LIMIT_ENTRIES = 100_000;

/**
 * What every request passes through before Nest sees it: key, scope and rate limit checked on
 * arrival (before the body is read), security headers, per-route metrics; and the API docs.
 * Call before the app starts listening (Nest registers its routes then).
 */
export async function hardenHttp(app: NestFastifyApplication, config: TesseraConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  // `cache`: how many keys and addresses the in-memory counters hold (the default, 5000, lets a
  // caller with many addresses push others' counts out); the oldest are dropped beyond it.
  await fastify.register(rateLimit, { global: false, cache: RATE_LIMIT_ENTRIES });
  authenticateOnRequest(fastify, app.get(ApiKeysService), config.rateLimits);
  addSecurityHeaders(fastify);
  recordHttpMetrics(fastify);
  serveApiDocs(fastify);
}
