import { Module } from '@nestjs/common';
import { DiscoveryModule } from '@nestjs/core';
import { ProjectionsController } from './projections.controller';
import { ProjectionsService } from './projections.service';

/** Runs, reports and rebuilds every provider marked @ProjectionProvider (DESIGN §1). */
@Module({
  imports: [DiscoveryModule],
  controllers: [ProjectionsController],
  providers: [ProjectionsService],
  exports: [ProjectionsService],
})
export class ProjectionsModule {}
