import { DynamicModule, Module } from '@nestjs/common';
import { CustomersModule } from '@tessera/customers';
import { IngestionModule } from '@tessera/ingestion';
import { CoreModule } from './core.module';
import { Runtime } from './runtime';

/** Composes the roles this process runs (TESSERA_ROLES); libs hold all behaviour. */
@Module({})
export class AppModule {
  static forRuntime(runtime: Runtime): DynamicModule {
    const roles = runtime.config.roles;
    return {
      module: AppModule,
      imports: [CoreModule.forRuntime(runtime), ...(roles.has('ingest') ? [IngestionModule] : []), ...(roles.has('query') ? [CustomersModule] : [])],
    };
  }
}
