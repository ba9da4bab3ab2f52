import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { EVENT_STORE } from '@tessera/event-store';
import { ApiKeysController } from '@tessera/platform/auth/api-keys.controller';
import { ApiKeysService } from '@tessera/platform/auth/api-keys.service';
import { TESSERA_CONFIG } from '@tessera/platform/config/tessera-config';
import { DATA_SOURCE, PG_POOL } from '@tessera/platform/database/database.tokens';
import { poolOf } from '@tessera/platform/database/data-source';
import { HEALTH_CHECKS } from '@tessera/platform/health/health-checks';
import { HealthController } from '@tessera/platform/health/health.controller';
import { ProblemDetailsFilter } from '@tessera/platform/http/problem-details.filter';
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
