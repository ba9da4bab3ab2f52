import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { CqrsModule } from '@nestjs/cqrs';
import { ProjectionsController } from './projections.controller';
import { ProjectionsService } from './projections.service';
import { RebuildProjectionHandler } from './rebuild-projection.command';

/** Runs, reports and rebuilds every provider marked @ProjectionProvider (DESIGN §1). */
@Module({
  imports: [DiscoveryModule, CqrsModule],
  controllers: [ProjectionsController],
  providers: [ProjectionsService, RebuildProjectionHandler],
  exports: [ProjectionsService],
})
export class ProjectionsModule {}
