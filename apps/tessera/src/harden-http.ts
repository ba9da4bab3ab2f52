import rateLimit from '@fastify/rate-limit';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiKeysService } from '@tessera/platform/auth/api-keys.service';
import { authenticateOnRequest } from '@tessera/platform/auth/authenticate-on-request';
import { TesseraConfig } from '@tessera/platform/config/tessera-config';
import { recordHttpMetrics } from '@tessera/platform/health/http-metrics';
import { addSecurityHeaders } from '@tessera/platform/http/security-headers';
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
