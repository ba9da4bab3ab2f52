import { Controller, Get, Inject } from '@nestjs/common';
import { RequireScope, PG_POOL } from '@tessera/platform';
import { Pool } from 'pg';
import { outboxStats, OutboxStats } from './outbox-stats';

/** `GET /v1/outbox` (admin): how many messages wait for Kafka, and the oldest of them. */
@Controller('v1/outbox')
@RequireScope('admin')
export class OutboxController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  stats(): Promise<OutboxStats> {
    return outboxStats(this.pool);
  }
}
