import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { SegmentsModule } from '@tessera/segments';
import { Customer360Projector } from './customer-360.projector';
import { LifecycleScheduler, RunSchedulerPassHandler, SchedulerController } from './lifecycle-scheduler';

/**
 * The customer 360 projection (run by the projections module when the process has the
 * `projector` role) and the scheduler that lets time move stages (`scheduler` role).
 */
@Module({
  imports: [CqrsModule, SegmentsModule],
  controllers: [SchedulerController],
  providers: [Customer360Projector, LifecycleScheduler, RunSchedulerPassHandler],
  exports: [Customer360Projector],
})
export class Customer360Module {}
