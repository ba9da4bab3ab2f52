import { Logger } from '@nestjs/common';
import { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { RateLimits } from '../config/tessera-config';
import { ForbiddenError, UnauthenticatedError, ValidationError } from '../errors';
import { ProblemDetails, problem } from '../http/problem-details';
import { sendProblem, toProblem } from '../http/problem-details.filter';
import { ApiKeysService } from './api-keys.service';
import { AuthenticatedRequest, routeAccessOf } from './route-access';
import { Principal, hasScope } from './scopes';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

const logger = new Logger('http');

/**
 * Checks the API key, the route's scope (from `@RequireScope`/`@Public`) and the key's rate
 * limit when a request arrives — before its body is read — so a caller without a valid key
 * cannot make the server read (and hold) up to 5 MiB. An early refusal of a request whose body is
 * still coming closes the connection, so the client stops sending. Needs `@fastify/rate-limit`
 * registered (its `createRateLimit`). Unknown routes pass on to the 404 answer.
 */
export function authenticateOnRequest(fastify: FastifyInstance, keys: ApiKeysService, limits: RateLimits): void {
  const timeWindow = limits.windowSeconds * 1000;
  // One limiter per scope a route can need (pii:read is never a route's scope).
  const perKey = new Map<string, Limiter>();
  for (const [scope, max] of Object.entries(limits.perKey)) {
    perKey.set(scope, fastify.createRateLimit({ max, timeWindow, keyGenerator: (request) => (request as AuthenticatedRequest).principal.keyId }));
  }
  const perIp = fastify.createRateLimit({ max: limits.unauthenticatedPerIp, timeWindow });

  fastify.addHook('onRequest', async (request, reply) => {
    if (authorizationHeaderCount(request) > 1) {
      return refuse(request, reply, toProblem(new ValidationError('send one Authorization header', [{ pointer: '/headers/authorization', rule: 'single', message: 'the Authorization header appears more than once' }]), request.url));
    }
    const access = routeAccessOf(request);
    if (access === 'public' || request.is404) return;
    let principal: Principal;
    try {
      const key = bearerKey(request);
      // A key not yet found valid costs a query: once the caller's address is over its limit, refuse first.
      if (!keys.isKnown(key) && (await limited(perIp, request, reply, false))) return reply;
      principal = await keys.authenticate(key);
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) return refuse(request, reply, toProblem(error, request.url), error);
      return (await limited(perIp, request, reply)) ? reply : refuse(request, reply, toProblem(error, request.url), error);
    }
    (request as AuthenticatedRequest).principal = principal;
    const scope = access?.scope;
    if (!scope || !hasScope(principal, scope)) {
      const error = scope ? new ForbiddenError(`this request needs the ${scope} scope`, scope) : new ForbiddenError('this route has no scope; only public routes are open', 'admin');
      return refuse(request, reply, toProblem(error, request.url), error);
    }
    const limiter = perKey.get(scope);
    if (limiter && (await limited(limiter, request, reply))) return reply;
  });
}

function bearerKey(request: FastifyRequest): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
  if (!match) throw new UnauthenticatedError('send an API key as "Authorization: Bearer <key>"');
  return match[1];
}

/** Node keeps only the first of repeated Authorization headers; the raw list shows them all. */
function authorizationHeaderCount(request: FastifyRequest): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'authorization') count++;
  return count;
}

/**
 * Counts the request against `limiter` (with `increment` false, only checks it); answers 429 when
 * it is over and says so. (Not the reply itself: a reply is thenable, so awaiting it loses it.)
 */
async function limited(limiter: Limiter, request: FastifyRequest, reply: FastifyReply, increment = true): Promise<boolean> {
  const result = await limiter(request, { increment });
  if (result.isAllowed || !result.isExceeded) return false;
  reply.header('Retry-After', String(result.ttlInSeconds)).header('X-RateLimit-Limit', String(result.max)).header('X-RateLimit-Remaining', '0');
  const details = problem(429, 'rate-limited', 'Too many requests', `at most ${result.max} requests per ${result.timeWindow / 1000} s; retry in ${result.ttlInSeconds} s`, { instance: request.url });
  refuse(request, reply, details);
  return true;
}

/** Answers now; a request whose body has not been read yet also loses its connection. */
function refuse(request: FastifyRequest, reply: FastifyReply, details: ProblemDetails, error?: unknown): FastifyReply {
  if (hasBody(request)) reply.header('Connection', 'close');
  sendProblem(reply, details, logger, error);
  return reply;
}

function hasBody(request: FastifyRequest): boolean {
  const { headers } = request;
  return headers['transfer-encoding'] !== undefined || (headers['content-length'] !== undefined && headers['content-length'] !== '0');
}
