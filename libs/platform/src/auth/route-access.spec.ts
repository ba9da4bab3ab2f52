import 'reflect-metadata';
import { FASTIFY_ROUTE_CONFIG_METADATA } from '@nestjs/platform-fastify/constants';
import { RouteConfig } from '@nestjs/platform-fastify';
import { Public, RequireScope } from './route-access';

@RequireScope('analytics:read')
class Reports {
  list(): void {}

  @RequireScope('segments:write')
  change(): void {}

  @Public()
  @RouteConfig({ other: 1 })
  open(): void {}
}

const configOf = (method: () => void) => Reflect.getMetadata(FASTIFY_ROUTE_CONFIG_METADATA, method);

describe('route access as Fastify route config', () => {
  it('gives every method the class scope, keeps a method’s own access and other route config', () => {
    expect(configOf(Reports.prototype.list)).toEqual({ tesseraAccess: { scope: 'analytics:read' } });
    expect(configOf(Reports.prototype.change)).toEqual({ tesseraAccess: { scope: 'segments:write' } });
    expect(configOf(Reports.prototype.open)).toEqual({ other: 1, tesseraAccess: 'public' });
  });
});
