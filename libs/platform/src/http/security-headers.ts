import { FastifyInstance, FastifyRequest } from 'fastify';
import { routeAccessOf } from '../auth/route-access';

/**
 * Answers that may carry customer data or concern a key — every answer of a route that needs a
 * key, and every answer to a request that sent one, errors included — are never cached and never
 * content-sniffed.
 */
export function addSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (isAuthenticated(request)) reply.header('X-Content-Type-Options', 'nosniff').header('Cache-Control', 'no-store');
    return payload;
  });
}

function isAuthenticated(request: FastifyRequest): boolean {
  if (request.headers.authorization !== undefined) return true;
  return !request.is404 && routeAccessOf(request) !== 'public';
}
