import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { FastifyRequest } from 'fastify';
import { Principal, Scope } from './scopes';

/** Who may call a route: keys with a scope (DESIGN §6), or anyone. */
export type RouteAccess = { scope: Scope } | 'public';

export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

const ACCESS = 'tesseraAccess';

/**
 * The scope a route needs. On a class it applies to every method without its own. Routes
 * without one are refused unless marked `@Public()`.
 */
export const RequireScope = (scope: Scope): ClassDecorator & MethodDecorator => markAccess({ scope });
export const Public = (): ClassDecorator & MethodDecorator => markAccess('public');

/**
 * The access a request's route declared, read from Fastify's route config, so it is known when
 * the request arrives, before its body is read. `undefined`: the route declared none.
 */
export function routeAccessOf(request: FastifyRequest): RouteAccess | undefined {
  return (request.routeOptions.config as { [ACCESS]?: RouteAccess } | undefined)?.[ACCESS];
}

/** The route config of an extra Fastify route (not a Nest controller) that needs no key. */
export const PUBLIC_ROUTE_CONFIG = { [ACCESS]: 'public' satisfies RouteAccess };

/**
 * Nest's Fastify adapter passes a handler's `FASTIFY_ROUTE_CONFIG_METADATA` as the route's
 * `config` (what `@RouteConfig` does). Method decorators run before the class decorator, so a
 * method's own access is kept.
 */
function markAccess(access: RouteAccess): ClassDecorator & MethodDecorator {
  return (target: object, _key?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor) {
      setAccess(descriptor.value as object, access, true);
      return;
    }
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (name !== 'constructor' && typeof method === 'function') setAccess(method, access, false);
    }
  };
}

function setAccess(method: object, access: RouteAccess, replace: boolean): void {
  const config = (Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method) ?? {}) as Record<string, unknown>;
  if (!replace && config[ACCESS] !== undefined) return;
  Reflect.defineMetadata(FASTIFY_ROUTE_CONFIG_METADATA, { ...config, [ACCESS]: access }, method);
}
