import { Controller, HttpCode, Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, Post } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { RequireScope, ConflictError, TESSERA_CONFIG, TesseraConfig, checkout, PG_POOL, registry } from '@tessera/platform';
import { schemaName } from '@tessera/projections';
import { Pool } from 'pg';
import { Counter } from 'prom-client';
import { lockMemberships, SegmentsService } from '@tessera/segments';
import { Customer360Projector } from './customer-360.projector';

export type SchedulerRun = { customers: number; stageChanges: number; segments: { segments: number; entered: number; exited: number }; startedAt: string; seconds: number };

const reevaluated = new Counter({
  name: 'tessera_scheduler_customers_reevaluated_total',
  help: 'Customers re-derived because time alone may have moved their stage, tier or interests',
  registers: [registry],
});

const CHUNK = 500;

/**
 * Time moves stages (DESIGN §4): every customer row carries `next_review_at`, the next instant
 * at which time alone may change its stage, tier, 365-day sums or interests. The scheduler
 * re-derives the due ones, in short transactions, under a lease so one instance does it; then
 * it re-evaluates the custom segments whose rules are time-relative (within, before, birthdays).
 */
@Injectable()
export class LifecycleScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(LifecycleScheduler.name);
  private timer: NodeJS.Timeout | undefined;
  private current: Promise<unknown> | undefined;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    private readonly projector: Customer360Projector,
    private readonly segments: SegmentsService,
  ) {}

  onApplicationBootstrap(): void {
    if (!this.config.roles.has('scheduler')) return;
    const tick = () => {
      this.current = this.runUnderLease().catch((error: unknown) => this.logger.warn({ message: 'scheduler run failed', error: error instanceof Error ? error.message : String(error) }));
    };
    this.timer = setInterval(tick, this.config.schedulerIntervalMs);
    this.timer.unref();
    tick();
  }

  async onApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.current;
  }

  /** One pass now; skipped (null) when another instance holds the scheduler lease. */
  async runUnderLease(now = new Date()): Promise<SchedulerRun | null> {
    const lease = await checkout(this.pool);
    let unlocked = true;
    try {
      const { rows } = await lease.client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext('tessera.scheduler')) as ok`);
      if (!rows[0].ok) return null;
      try {
        return await this.run(now);
      } finally {
        unlocked = await lease.client.query(`select pg_advisory_unlock(hashtext('tessera.scheduler'))`).then(() => true, () => false);
      }
    } finally {
      // A session whose unlock failed must not go back to the pool still holding the lease.
      await lease.release(!unlocked);
    }
  }

  /** Re-derives every customer whose review is due at `now`. */
  async run(now = new Date()): Promise<SchedulerRun> {
    const started = Date.now();
    const s = schemaName(this.projector.schema);
    let customers = 0;
    let stageChanges = 0;
    for (;;) {
      const { client, release } = await checkout(this.pool);
      try {
        await client.query('begin');
        // Like every membership writer: after the switch lock and the checkpoint row (the projector's
        // order), so a chunk never interleaves with a batch or a backfill over the same customers.
        await lockMemberships(client);
        const { rows } = await client.query<{ customer_id: string }>(
          `select customer_id from ${s}.customers where next_review_at <= $1 order by next_review_at limit ${CHUNK} for update skip locked`,
          [now],
        );
        const ids = rows.map((r) => r.customer_id);
        const result = ids.length === 0 ? { customers: 0, stageChanges: 0, failed: [] } : await this.projector.reevaluate(client, this.projector.schema, ids, now);
        await client.query('commit');
        for (const { customerId, error } of result.failed) this.logger.error({ message: 'customer could not be re-derived; retried in a day', customerId, error });
        customers += result.customers;
        stageChanges += result.stageChanges;
        reevaluated.inc(result.customers);
        if (ids.length < CHUNK) break;
      } catch (error) {
        await client.query('rollback').catch(() => undefined);
        throw error;
      } finally {
        release();
      }
    }
    const segments = await this.segments.reevaluateTimeRelative(now);
    const run = { customers, stageChanges, segments, startedAt: new Date(started).toISOString(), seconds: (Date.now() - started) / 1000 };
    if (customers > 0 || segments.entered + segments.exited > 0) this.logger.log({ message: 'scheduler pass', ...run });
    return run;
  }
}

/** One scheduler pass now, under the lease; null when another instance holds it. */
export class RunSchedulerPass extends Command<SchedulerRun | null> {}

@CommandHandler(RunSchedulerPass)
export class RunSchedulerPassHandler implements ICommandHandler<RunSchedulerPass> {
  constructor(private readonly scheduler: LifecycleScheduler) {}

  execute(): Promise<SchedulerRun | null> {
    return this.scheduler.runUnderLease();
  }
}

@Controller('v1/scheduler')
@RequireScope('admin')
export class SchedulerController {
  constructor(private readonly commands: CommandBus) {}

  /**
   * Runs a pass now (on demand, besides the interval) under the scheduler's lease, and answers
   * what it re-derived; 409 while another instance's pass holds the lease.
   */
  @Post('run')
  @HttpCode(200)
  async run(): Promise<SchedulerRun> {
    const run = await this.commands.execute(new RunSchedulerPass());
    if (run === null) throw new ConflictError('a scheduler pass is running on another instance; try again when it ends');
    return run;
  }
}
