import { DynamicModule, Module } from '@nestjs/common';
import { Customer360Module, CustomersModule } from '@tessera/customers';
import { ProjectionsModule } from '@tessera/projections';
import { IngestionModule } from '@tessera/ingestion';
import { SegmentsApiModule } from '@tessera/segments';
import { OutboxModule } from '@tessera/outbox';
import { CoreModule } from './core.module';
import { Runtime } from './runtime';

/**
 * Composes the roles this process runs (TESSERA_ROLES); libs hold all behaviour. Projections and
 * the scheduler are always wired (their admin API answers everywhere) but only run their loops
 * in a process with the `projector` / `scheduler` role.
 */
@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const roles = runtime.config.roles;
    return {
      module: AppModule,
      imports: [
        CoreModule.forRuntime(runtime),
        ProjectionsModule,
        Customer360Module,
        OutboxModule,
        ...(roles.has('ingest') ? [IngestionModule] : []),
        ...(roles.has('query') ? [CustomersModule, SegmentsApiModule] : []),
      ],
    };
  }
}
