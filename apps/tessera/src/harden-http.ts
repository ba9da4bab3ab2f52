import rateLimit from '@fastify/rate-limit';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService, authenticateOnRequest, TesseraConfig, recordHttpMetrics, addSecurityHeaders } from '@tessera/platform';
import { serveApiDocs } from './api-docs';

/**
 * What every request passes through before Nest sees it: key, scope and rate limit checked on
 * arrival (before the body is read), security headers, per-route metrics; and the API docs.
 * Call before the app starts listening (Nest registers its routes then).
 */
export async function hardenHttp(app: NestFastifyApplication, config: TesseraConfig): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance();
  await fastify.register(rateLimit, { global: false });
  authenticateOnRequest(fastify, app.get(ApiKeysService), config.rateLimits);
  addSecurityHeaders(fastify);
  recordHttpMetrics(fastify);
  serveApiDocs(fastify);
}
