import { CanActivate, ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { FastifyRequest } from 'fastify';
import { ForbiddenError, UnauthenticatedError } from '../errors';
import { ApiKeysService } from './api-keys.service';
import { Principal, Scope, hasScope } from './scopes';

const SCOPE = 'tessera:scope';
const PUBLIC = 'tessera:public';

/** The scope a route needs (DESIGN §6). Routes without one are refused unless marked `@Public()`. */
export const RequireScope = (scope: Scope) => SetMetadata(SCOPE, scope);
export const Public = () => SetMetadata(PUBLIC, true);

export type AuthenticatedRequest = FastifyRequest & { principal: Principal };

@Injectable()
export class ApiKeyGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly keys: ApiKeysService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const scope = this.reflector.getAllAndOverride<Scope | undefined>(SCOPE, targets);
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const match = /^Bearer\s+(\S+)\s*$/i.exec(request.headers.authorization ?? '');
    if (!match) throw new UnauthenticatedError('send an API key as "Authorization: Bearer <key>"');
    const principal = await this.keys.authenticate(match[1]);
    if (!scope) throw new ForbiddenError('this route has no scope; only public routes are open', 'admin');
    if (!hasScope(principal, scope)) throw new ForbiddenError(`this request needs the ${scope} scope`, scope);
    request.principal = principal;
    return true;
  }
}
