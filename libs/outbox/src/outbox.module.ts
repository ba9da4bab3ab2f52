import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { PG_POOL } from '@tessera/platform';
import { Pool } from 'pg';
import { OutboxController } from './outbox.controller';
import { OutboxRelayService, registerOutboxGauges } from './outbox-relay';

/** The outbox API, its health and metrics (every role) and the relay (role `relay`). */
@Module({
  controllers: [OutboxController],
  providers: [OutboxRelayService],
  exports: [OutboxRelayService],
})
export class OutboxModule implements OnModuleInit {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  onModuleInit(): void {
    registerOutboxGauges(this.pool);
  }
}
