import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { DiscoveryService } from '@nestjs/core';
import { EVENT_STORE, EventStore } from '@tessera/event-store';
import { TESSERA_CONFIG, TesseraConfig, PG_POOL, HEALTH_CHECKS, HealthCheck, NotFoundError } from '@tessera/platform';
import { Pool } from 'pg';
import { Projection, PROJECTION, schemaName } from './projection';
import { lagAfter } from './projection-lag';
import { RebuildProgress, RebuildResult, shadowSchemaOf, startRebuild } from './projection-rebuild';
import { DEFAULT_RUNNER_OPTIONS, ProjectionRunner } from './projection-runner';

export type ParkedEventView = { eventId: string; position: string; streamId: string; type: string; error: string; parkedAt: string };

export type ProjectionStatus = {
  name: string;
  /**
   * This instance's runner: starting, running, catching-up, retrying, standby (another instance
   * holds the lease), stopped; without the projector role here: `running elsewhere` or `stopped`.
   */
  state: string;
  position: string | null;
  eventsApplied: number;
  lag: { events: number; capped: boolean; seconds: number };
  parked: { count: number; latest: ParkedEventView[] };
  lastError: string | null;
  rebuild: { state: 'idle' | 'running' | 'failed' | 'done'; applied?: number; total?: number | null; startedAt?: string; finishedAt?: string; error?: string };
};

type RebuildRecord = { state: 'running' | 'failed' | 'done'; progress: RebuildProgress; finishedAt?: Date; error?: string };

/**
 * Finds the projections (providers marked with @ProjectionProvider), runs them when this process
 * has the `projector` role, reports their status and rebuilds them on demand.
 */
@Injectable()
export class ProjectionsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ProjectionsService.name);
  private projections = new Map<string, Projection>();
  private readonly runners = new Map<string, ProjectionRunner>();
  private readonly rebuilds = new Map<string, RebuildRecord>();

  constructor(
    private readonly discovery: DiscoveryService,
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
    @Inject(HEALTH_CHECKS) private readonly healthChecks: HealthCheck[],
  ) {}

  onApplicationBootstrap(): void {
    const found = this.discovery
      .getProviders()
      .filter((wrapper) => wrapper.metatype && wrapper.instance && Reflect.getMetadata(PROJECTION, wrapper.metatype))
      .map((wrapper) => wrapper.instance as Projection);
    this.projections = new Map(found.map((p) => [p.name, p]));
    if (!this.config.roles.has('projector')) return;
    for (const projection of this.projections.values()) {
      const runner = new ProjectionRunner(projection, this.pool, this.store, DEFAULT_RUNNER_OPTIONS);
      this.runners.set(projection.name, runner);
      runner.start();
      this.healthChecks.push(this.healthCheckOf(projection, runner));
    }
    this.logger.log({ message: 'projection runners started', projections: [...this.projections.keys()] });
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.runners.values()].map((r) => r.stop()));
  }

  /** Not critical: a stuck projection makes /health `degraded`; reads and writes still work. */
  private healthCheckOf(projection: Projection, runner: ProjectionRunner): HealthCheck {
    return {
      name: `projection:${projection.name}`,
      critical: false,
      check: async () => {
        if (runner.state === 'retrying') return { status: 'down', detail: runner.lastError };
        const { rows } = await this.pool.query<{ n: string }>(`select count(*) as n from ${schemaName(projection.schema)}.parked_events`);
        return { status: 'up', detail: `${runner.state}; ${rows[0].n} parked event(s)` };
      },
    };
  }

  get(name: string): Projection {
    const projection = this.projections.get(name);
    if (!projection) throw new NotFoundError(`no projection named ${name}; known: ${[...this.projections.keys()].join(', ')}`);
    return projection;
  }

  async statuses(): Promise<ProjectionStatus[]> {
    return Promise.all([...this.projections.values()].map((p) => this.status(p)));
  }

  async status(projection: Projection): Promise<ProjectionStatus> {
    const s = schemaName(projection.schema);
    const [{ rows: checkpoint }, { rows: parked }, { rows: count }] = await Promise.all([
      this.pool.query<{ position: string | null; events_applied: string }>(`select position, events_applied from ${s}.checkpoint`),
      this.pool.query<{ event_id: string; position: string; stream_id: string; type: string; error: string; parked_at: Date }>(
        `select event_id, position, stream_id, type, error, parked_at from ${s}.parked_events order by parked_at desc limit 20`,
      ),
      this.pool.query<{ count: string }>(`select count(*) as count from ${s}.parked_events`),
    ]);
    const position = checkpoint[0]?.position ?? null;
    const runner = this.runners.get(projection.name);
    return {
      name: projection.name,
      state: runner ? runner.state : (await this.leaseHeld(projection.name)) ? 'running elsewhere' : 'stopped',
      position,
      eventsApplied: Number(checkpoint[0]?.events_applied ?? 0),
      lag: await lagAfter(this.store, position, new Date()),
      parked: {
        count: Number(count[0].count),
        latest: parked.map((p) => ({ eventId: p.event_id, position: p.position, streamId: p.stream_id, type: p.type, error: p.error, parkedAt: p.parked_at.toISOString() })),
      },
      lastError: runner?.lastError ?? null,
      rebuild: await this.rebuildStatus(projection),
    };
  }

  /**
   * Starts a rebuild in the background (it outlives the HTTP request); progress shows in the
   * status. Throws RebuildInProgressError at once when one is already running.
   */
  async startRebuild(name: string): Promise<{ done: Promise<RebuildResult> }> {
    const projection = this.get(name);
    const record: RebuildRecord = { state: 'running', progress: { applied: 0, parked: 0, total: null, startedAt: new Date() } };
    const { done } = await startRebuild(this.pool, this.store, projection, { onProgress: (progress) => (record.progress = progress) });
    this.rebuilds.set(name, record);
    done.then(
      () => Object.assign(record, { state: 'done', finishedAt: new Date() }),
      (error: unknown) => {
        Object.assign(record, { state: 'failed', finishedAt: new Date(), error: error instanceof Error ? error.message : String(error) });
        this.logger.error({ message: 'rebuild failed', projection: name, error: record.error });
      },
    );
    return { done };
  }

  private async rebuildStatus(projection: Projection): Promise<ProjectionStatus['rebuild']> {
    const local = this.rebuilds.get(projection.name);
    if (local) {
      return {
        state: local.state,
        applied: local.progress.applied,
        total: local.progress.total,
        startedAt: local.progress.startedAt.toISOString(),
        ...(local.finishedAt ? { finishedAt: local.finishedAt.toISOString() } : {}),
        ...(local.error ? { error: local.error } : {}),
      };
    }
    // A rebuild started by another instance shows through its shadow schema's checkpoint.
    const shadow = shadowSchemaOf(projection.schema);
    const { rows } = await this.pool.query<{ exists: boolean }>(`select exists (select 1 from pg_tables where schemaname = $1 and tablename = 'checkpoint') as exists`, [shadow]);
    if (!rows[0].exists) return { state: 'idle' };
    const { rows: shadowCheckpoint } = await this.pool.query<{ n: string }>(`select events_applied as n from ${schemaName(shadow)}.checkpoint`).catch(() => ({ rows: [] as { n: string }[] }));
    return { state: 'running', applied: Number(shadowCheckpoint[0]?.n ?? 0), total: null };
  }

  private async leaseHeld(name: string): Promise<boolean> {
    const { rows } = await this.pool.query<{ held: boolean }>(
      `select exists (select 1 from pg_locks where locktype = 'advisory' and granted and objsubid = 1
         and database = (select oid from pg_database where datname = current_database())
         and classid = ((hashtext('tessera.projection.lease:' || $1)::bigint >> 32) & 4294967295)::oid
         and objid = (hashtext('tessera.projection.lease:' || $1)::bigint & 4294967295)::oid) as held`,
      [name],
    );
    return rows[0].held;
  }
}
