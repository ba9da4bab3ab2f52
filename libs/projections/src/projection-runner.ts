import { Pause, CheckedOut, checkout, isConnectionError } from '@tessera/platform';
import { Logger } from '@nestjs/common';
import { EventStore } from '@tessera/event-store';
import { Pool } from 'pg';
import { BatchApplier, CheckpointMovedError } from './batch-applier';
import { Projection } from './projection';
import { lagAfter } from './projection-lag';
import { parkedEvents, projectedEvents, projectionBatchSeconds, projectionLagEvents, projectionLagSeconds } from './projection-metrics';

export type RunnerOptions = {
  batchSize: number;
  /** Wait between reads when caught up. */
  idleMs: number;
  /** Hold a PostgreSQL advisory-lock lease so one instance runs the projection (DESIGN §11). */
  lease: boolean;
  /** How often a standby instance retries the lease, and lag metrics are refreshed. */
  leaseRetryMs: number;
};

export const DEFAULT_RUNNER_OPTIONS: RunnerOptions = { batchSize: 1000, idleMs: 100, lease: true, leaseRetryMs: 2_000 };

export type RunnerState = 'starting' | 'standby' | 'running' | 'catching-up' | 'retrying' | 'stopped';

/**
 * Runs one projection: reads the log after its checkpoint in batches and applies each batch with
 * the checkpoint in one transaction. It reads with `readAll` (not a live subscription, which in
 * EventStoreDB drops events for slow consumers), so it never skips or reorders.
 */
export class ProjectionRunner {
  private readonly logger: Logger;
  private readonly applier: BatchApplier;
  private running = false;
  private loop: Promise<void> | undefined;
  private readonly waits = new Pause();
  private lease: CheckedOut | undefined;
  state: RunnerState = 'stopped';
  lastError: string | undefined;

  constructor(
    private readonly projection: Projection,
    private readonly pool: Pool,
    private readonly store: EventStore,
    private readonly options: RunnerOptions = DEFAULT_RUNNER_OPTIONS,
  ) {
    this.logger = new Logger(`Projection ${projection.name}`);
    this.applier = new BatchApplier(pool, projection);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.state = 'starting';
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.waits.wake();
    await this.loop;
    this.state = 'stopped';
  }

  private async run(): Promise<void> {
    while (this.running) {
      try {
        if (this.options.lease && !(await this.acquireLease())) {
          this.state = 'standby';
          await this.waits.pause(this.options.leaseRetryMs);
          continue;
        }
        await this.follow();
      } catch (error) {
        this.state = 'retrying';
        this.lastError = error instanceof Error ? error.message : String(error);
        this.logger.warn({ message: 'projection paused; retrying', projection: this.projection.name, error: this.lastError });
        await this.releaseLease();
        await this.waits.pause(isConnectionError(error) ? 2_000 : 5_000);
      }
    }
    await this.releaseLease();
  }

  /** Applies batches until stopped; returns to `run` on errors so the lease is re-checked. */
  private async follow(): Promise<void> {
    const { schema, name } = this.projection;
    let position = await this.applier.readCheckpoint(schema);
    let lagCheckedAt = 0;
    this.lastError = undefined;
    while (this.running) {
      const events = await this.store.readAll({ after: position ?? undefined, maxCount: this.options.batchSize });
      this.state = events.length === this.options.batchSize ? 'catching-up' : 'running';
      if (Date.now() - lagCheckedAt > this.options.leaseRetryMs) {
        lagCheckedAt = Date.now();
        await this.refreshLag(position);
        if (this.options.lease && !(await this.leaseAlive())) throw new Error('the projection lease was lost');
      }
      if (events.length === 0) {
        await this.waits.pause(this.options.idleMs);
        continue;
      }
      const timer = projectionBatchSeconds.startTimer({ projection: name });
      try {
        const outcome = await this.applier.apply(events, position, schema);
        position = outcome.position;
        projectedEvents.inc({ projection: name }, outcome.applied);
        for (const { event, error } of outcome.parked) {
          parkedEvents.inc({ projection: name });
          this.logger.error({ message: 'event parked', projection: name, eventId: event.eventId, position: event.position, type: event.type, error });
        }
      } catch (error) {
        if (!(error instanceof CheckpointMovedError)) throw error;
        this.logger.log({ message: 'checkpoint moved by another instance or a rebuild; following it', projection: name, position: error.position });
        position = error.position;
      } finally {
        timer();
      }
    }
  }

  private async refreshLag(position: string | null): Promise<void> {
    const lag = await lagAfter(this.store, position, new Date());
    projectionLagEvents.set({ projection: this.projection.name }, lag.events);
    projectionLagSeconds.set({ projection: this.projection.name }, lag.seconds);
  }

  private async acquireLease(): Promise<boolean> {
    if (this.lease) return true;
    const lease = await checkout(this.pool);
    const { rows } = await lease.client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtext('tessera.projection.lease:' || $1)) as ok`, [this.projection.name]).catch((error: unknown) => {
      lease.release();
      throw error;
    });
    if (!rows[0].ok) {
      lease.release();
      return false;
    }
    this.lease = lease;
    this.logger.log({ message: 'lease acquired; running', projection: this.projection.name });
    return true;
  }

  private async leaseAlive(): Promise<boolean> {
    try {
      await this.lease?.client.query('select 1');
      return this.lease !== undefined;
    } catch {
      return false;
    }
  }

  private async releaseLease(): Promise<void> {
    const lease = this.lease;
    this.lease = undefined;
    if (!lease) return;
    // Ending the session drops the advisory lock even if the unlock itself cannot be sent.
    await lease.client.query(`select pg_advisory_unlock(hashtext('tessera.projection.lease:' || $1))`, [this.projection.name]).catch(() => undefined);
    await lease.release(true);
  }
}
