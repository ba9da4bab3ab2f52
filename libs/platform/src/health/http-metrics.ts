import { FastifyInstance } from 'fastify';
import { httpRequestSeconds, httpRequests } from './metrics';

/** Counts every answer and its latency by route pattern and status (`/metrics`). */
export function recordHttpMetrics(fastify: FastifyInstance): void {
  fastify.addHook('onResponse', async (request, reply) => {
    const labels = { method: request.method, route: request.is404 ? 'unmatched' : (request.routeOptions.url ?? 'unmatched'), status: String(reply.statusCode) };
    httpRequests.inc(labels);
    httpRequestSeconds.observe(labels, reply.elapsedTime / 1000);
  });
}
