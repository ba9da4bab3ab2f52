import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EVENT_STORE } from '@tessera/event-store';
import {
  ApiKeysController,
  ApiKeysService,
  TESSERA_CONFIG,
  DATA_SOURCE,
  PG_POOL,
  poolOf,
  HEALTH_CHECKS,
  HealthController,
  ProblemDetailsFilter,
} from '@tessera/platform';
import { Runtime } from './runtime';

/** What every role shares: configuration, database, event store, keys, errors, health. */
@Global()
@Module({})
export class CoreModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    return {
      module: CoreModule,
      controllers: [HealthController, ApiKeysController],
      providers: [
        { provide: TESSERA_CONFIG, useValue: runtime.config },
        { provide: DATA_SOURCE, useValue: runtime.dataSource },
        { provide: PG_POOL, useValue: poolOf(runtime.dataSource) },
        { provide: EVENT_STORE, useValue: runtime.eventStore },
        { provide: HEALTH_CHECKS, useValue: runtime.healthChecks },
        ApiKeysService,
        { provide: APP_FILTER, useClass: ProblemDetailsFilter },
      ],
      exports: [TESSERA_CONFIG, DATA_SOURCE, PG_POOL, EVENT_STORE, HEALTH_CHECKS, ApiKeysService],
    };
  }
}
