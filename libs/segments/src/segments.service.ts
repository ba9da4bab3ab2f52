import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { MembershipCause } from '@tessera/outbox';
import {
  TESSERA_CONFIG,
  TesseraConfig,
  checkout,
  PG_POOL,
  ConflictError,
  NotFoundError,
  registry,
  dayOf,
  topicsFor,
} from '@tessera/platform';
import { Pool, PoolClient } from 'pg';
import { Counter } from 'prom-client';
import { evaluateSegmentChunk, lockMemberships } from './evaluation/evaluate-segment-chunk';
import { ActiveSegment, isBuiltIn } from './membership/memberships';
import { Rule } from './rules/segment-rule';
import { isTimeRelative, SegmentInput } from './segment-definition';

export type BackfillView = { version: number; status: 'running' | 'done' | 'failed' | 'superseded'; total: number; processed: number; entered: number; exited: number; startedAt: string; finishedAt: string | null; error: string | null };

export type SegmentView = {
  id: string;
  name: string;
  description: string | null;
  builtIn: boolean;
  version: number;
  rule: Rule | null;
  timeRelative: boolean;
  size: number;
  createdAt: string | null;
  updatedAt: string | null;
  backfill: BackfillView | null;
};

export type SegmentVersionView = { version: number; name: string; description: string | null; rule: Rule; createdAt: string };

const CHUNK = 10_000;
const BACKFILL_LOCK = `hashtext('tessera.segment-backfill:' || $1)`;

const evaluated = new Counter({
  name: 'tessera_segment_customers_evaluated_total',
  help: 'Customers evaluated by segment backfills, deletions and time passes (SQL), by kind',
  labelNames: ['kind'] as const,
  registers: [registry],
});

/**
 * Custom segment definitions (versioned), their backfills and the time passes of time-relative
 * rules. Every membership write takes lockMemberships, so it never interleaves with a projector
 * batch over the same rows.
 */
@Injectable()
export class SegmentsService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SegmentsService.name);
  private readonly topic: string;
  private readonly running = new Set<Promise<unknown>>();
  private stopping = false;

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
  ) {
    this.topic = topicsFor(config.topicPrefix).segmentMembership;
  }

  /**
   * Work a stopped process left unfinished goes on here: running backfills (a lease keeps each
   * single), and deleted segments that still have members (their exits are published then).
   */
  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.roles.has('projector')) return;
    const { rows } = await this.pool.query<{ segment_id: string; version: number }>(`select segment_id, version from segments.backfills where status = 'running'`);
    for (const r of rows) this.startBackfill(r.segment_id, r.version);
    const { rows: deleted } = await this.pool.query<{ segment_id: string; version: number }>(
      `select d.segment_id, d.version from segments.definitions d
       where d.deleted_at is not null and exists (select 1 from customer_360.segment_members m where m.segment_id = d.segment_id)`,
    );
    for (const d of deleted) this.track(this.exitAll(d.segment_id, d.version));
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopping = true;
    await Promise.allSettled([...this.running]);
  }

  async create(input: SegmentInput): Promise<SegmentView> {
    const id = input.id ?? `seg-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
    const version = await this.transaction(async (client) => {
      const { rows } = await client.query<{ deleted: boolean; latest: number }>(
        `select d.deleted_at is not null as deleted, (select max(version) from segments.definition_versions v where v.segment_id = d.segment_id) as latest
         from segments.definitions d where d.segment_id = $1 for update`,
        [id],
      );
      if (rows.length > 0 && !rows[0].deleted) throw new ConflictError(`segment ${id} exists; PUT /v1/segments/${id} saves a new version`);
      // A re-created id goes on from its last version, so message ids of the old life never repeat.
      const next = (rows[0]?.latest ?? 0) + 1;
      // Only a deleted id is taken over; a concurrent POST of the same new id meets the conflict here.
      const saved = await client.query(
        `insert into segments.definitions (segment_id, name, description, version, rule, time_relative, created_at, updated_at, deleted_at)
         values ($1, $2, $3, $4, $5, $6, now(), now(), null)
         on conflict (segment_id) do update set name = excluded.name, description = excluded.description, version = excluded.version, rule = excluded.rule,
           time_relative = excluded.time_relative, created_at = now(), updated_at = now(), deleted_at = null
         where segments.definitions.deleted_at is not null and segments.definitions.version < excluded.version`,
        [id, input.name, input.description, next, JSON.stringify(input.rule), isTimeRelative(input.rule)],
      );
      if (saved.rowCount === 0) throw new ConflictError(`segment ${id} exists; PUT /v1/segments/${id} saves a new version`);
      await this.saveVersion(client, id, next, input);
      await this.queueBackfill(client, id, next);
      return next;
    });
    this.startBackfill(id, version);
    return this.get(id);
  }

  /** PUT: a new version; the old ones stay readable. Its backfill supersedes the running one. */
  async update(id: string, input: SegmentInput): Promise<SegmentView> {
    this.refuseBuiltIn(id, 'changed');
    const version = await this.transaction(async (client) => {
      const { rows } = await client.query<{ version: number }>(`select version from segments.definitions where segment_id = $1 and deleted_at is null for update`, [id]);
      if (rows.length === 0) throw new NotFoundError(`no segment ${id}`);
      const next = rows[0].version + 1;
      await client.query(`update segments.definitions set name = $2, description = $3, version = $4, rule = $5, time_relative = $6, updated_at = now() where segment_id = $1`, [
        id,
        input.name,
        input.description,
        next,
        JSON.stringify(input.rule),
        isTimeRelative(input.rule),
      ]);
      await this.saveVersion(client, id, next, input);
      await this.queueBackfill(client, id, next);
      return next;
    });
    this.startBackfill(id, version);
    return this.get(id);
  }

  /** DELETE: the definition goes, and every member exits (published as `exited`, cause `deleted`). */
  async remove(id: string): Promise<void> {
    this.refuseBuiltIn(id, 'deleted');
    const version = await this.transaction(async (client) => {
      const { rows } = await client.query<{ version: number }>(`update segments.definitions set deleted_at = now(), updated_at = now() where segment_id = $1 and deleted_at is null returning version`, [id]);
      if (rows.length === 0) throw new NotFoundError(`no segment ${id}`);
      await client.query(`update segments.backfills set status = 'superseded', finished_at = now() where segment_id = $1 and status = 'running'`, [id]);
      return rows[0].version;
    });
    await this.exitAll(id, version);
  }

  private async exitAll(id: string, version: number): Promise<{ entered: number; exited: number }> {
    const { rows } = await this.pool.query<{ name: string }>(`select name from segments.definition_versions where segment_id = $1 and version = $2`, [id, version]);
    return this.evaluateAll({ id, name: rows[0]?.name ?? id, version, rule: null }, { kind: 'deleted', ruleVersion: version }, 'deletion');
  }

  async list(): Promise<SegmentView[]> {
    const custom = await this.pool.query<DefinitionRow>(`${DEFINITION_SELECT} where d.deleted_at is null order by d.segment_id`);
    const builtIn = await this.pool.query<{ segment_id: string; size: number }>(
      `select segment_id, count(*)::integer as size from customer_360.customers, unnest(segments) as segment_id group by segment_id order by segment_id`,
    );
    return [...builtIn.rows.map((r) => builtInView(r.segment_id, r.size)), ...custom.rows.map(definitionView)];
  }

  async get(id: string): Promise<SegmentView> {
    if (isBuiltIn(id)) {
      const { rows } = await this.pool.query<{ size: number }>(`select count(*)::integer as size from customer_360.customers where segments @> array[$1::text]`, [id]);
      return builtInView(id, rows[0].size);
    }
    const { rows } = await this.pool.query<DefinitionRow>(`${DEFINITION_SELECT} where d.segment_id = $1 and d.deleted_at is null`, [id]);
    if (rows.length === 0) throw new NotFoundError(`no segment ${id}`);
    return definitionView(rows[0]);
  }

  async versions(id: string): Promise<SegmentVersionView[]> {
    const { rows } = await this.pool.query<{ version: number; name: string; description: string | null; rule: Rule; created_at: Date }>(
      `select version, name, description, rule, created_at from segments.definition_versions where segment_id = $1 order by version`,
      [id],
    );
    if (rows.length === 0) throw new NotFoundError(`no segment ${id}`);
    return rows.map((r) => ({ version: r.version, name: r.name, description: r.description, rule: r.rule, createdAt: r.created_at.toISOString() }));
  }

  /**
   * Time passes (DESIGN §5): re-evaluates every segment whose rule is time-relative over all
   * customers; entries and exits carry `{kind: "time", ruleVersion}`.
   */
  async reevaluateTimeRelative(now = new Date()): Promise<{ segments: number; entered: number; exited: number }> {
    const { rows } = await this.pool.query<{ segment_id: string; name: string; version: number; rule: Rule }>(
      `select segment_id, name, version, rule from segments.definitions where deleted_at is null and time_relative order by segment_id`,
    );
    let entered = 0;
    let exited = 0;
    for (const r of rows) {
      const result = await this.evaluateAll({ id: r.segment_id, name: r.name, version: r.version, rule: r.rule }, { kind: 'time', ruleVersion: r.version }, 'time', now);
      entered += result.entered;
      exited += result.exited;
    }
    return { segments: rows.length, entered, exited };
  }

  /**
   * After a rebuild of the memberships' projection: every custom segment is evaluated again over
   * all customers (changes published with cause backfill of its current version: where the old
   * copy had already announced them, the message ids repeat and consumers drop them), and deleted
   * segments that still have members exit them.
   */
  async reconcile(): Promise<{ segments: number; entered: number; exited: number }> {
    const { rows } = await this.pool.query<{ segment_id: string; name: string; version: number; rule: Rule; deleted: boolean }>(
      `select d.segment_id, d.name, d.version, d.rule, d.deleted_at is not null as deleted from segments.definitions d
       where d.deleted_at is null or exists (select 1 from customer_360.segment_members m where m.segment_id = d.segment_id)
       order by d.segment_id`,
    );
    let entered = 0;
    let exited = 0;
    for (const r of rows) {
      const result = r.deleted
        ? await this.exitAll(r.segment_id, r.version)
        : await this.evaluateAll({ id: r.segment_id, name: r.name, version: r.version, rule: r.rule }, { kind: 'backfill', ruleVersion: r.version }, 'reconcile');
      entered += result.entered;
      exited += result.exited;
    }
    if (entered + exited > 0) this.logger.log({ msg: 'segments reconciled after a rebuild', segments: rows.length, entered, exited });
    return { segments: rows.length, entered, exited };
  }

  /** Starts (or resumes) the backfill of a version in the background; progress is in the API. */
  startBackfill(segmentId: string, version: number): void {
    this.track(this.backfill(segmentId, version));
  }

  private track(work: Promise<unknown>): void {
    const run: Promise<unknown> = work
      .catch((error: unknown) => this.logger.error({ msg: 'segment work failed', error: error instanceof Error ? error.message : String(error) }))
      .finally(() => this.running.delete(run));
    this.running.add(run);
  }

  /** Waits for the backfills this process runs (tests and the benchmark). */
  async settled(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  /**
   * The backfill of one version, in chunks of customer ids, resumable: each chunk commits its
   * memberships, history, outbox rows and the progress together.
   */
  private async backfill(segmentId: string, requested: number): Promise<void> {
    const lease = await checkout(this.pool);
    let unlocked = true;
    try {
      // One backfill per segment at a time. Whoever holds the lease runs the newest running
      // version after its own, so a PUT during a backfill is picked up, never left waiting.
      const { rows: leased } = await lease.client.query<{ ok: boolean }>(`select pg_try_advisory_lock(${BACKFILL_LOCK}) as ok`, [segmentId]);
      if (!leased[0].ok) return;
      try {
        for (let version: number | null = requested; version !== null && !this.stopping; version = await this.runningVersion(segmentId)) {
          await this.backfillVersion(segmentId, version);
        }
      } finally {
        unlocked = await lease.client.query(`select pg_advisory_unlock(${BACKFILL_LOCK})`, [segmentId]).then(() => true, () => false);
      }
    } finally {
      await lease.release(!unlocked);
    }
  }

  private async runningVersion(segmentId: string): Promise<number | null> {
    const { rows } = await this.pool.query<{ version: number }>(`select version from segments.backfills where segment_id = $1 and status = 'running' order by version desc limit 1`, [segmentId]);
    return rows[0]?.version ?? null;
  }

  /** Chunk after chunk until done, superseded or deleted; a failing chunk is retried before the backfill is marked failed. */
  private async backfillVersion(segmentId: string, version: number): Promise<void> {
    try {
      await this.backfillChunks(segmentId, version);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.logger.error({ msg: 'segment backfill failed', segmentId, version, error: message });
      await this.pool.query(`update segments.backfills set status = 'failed', error = $3, finished_at = now() where segment_id = $1 and version = $2 and status = 'running'`, [segmentId, version, message]);
    }
  }

  private async backfillChunks(segmentId: string, version: number): Promise<void> {
    const started = Date.now();
    for (;;) {
      if (this.stopping) return;
      const done = await retrying(() =>
        this.transaction(async (client) => {
          await lockMemberships(client);
          const { rows } = await client.query<{ status: string; after_customer_id: string | null; name: string; rule: Rule; current: number | null }>(
            `select b.status, b.after_customer_id, v.name, v.rule, d.version as current
             from segments.backfills b
             join segments.definition_versions v on v.segment_id = b.segment_id and v.version = b.version
             left join segments.definitions d on d.segment_id = b.segment_id and d.deleted_at is null
             where b.segment_id = $1 and b.version = $2 for update of b`,
            [segmentId, version],
          );
          const job = rows[0];
          if (!job || job.status !== 'running') return true;
          if (job.current !== version) {
            await client.query(`update segments.backfills set status = 'superseded', finished_at = now() where segment_id = $1 and version = $2`, [segmentId, version]);
            return true;
          }
          const now = Date.now();
          const chunk = await evaluateSegmentChunk(client, { id: segmentId, name: job.name, version, rule: job.rule }, {
            after: job.after_customer_id,
            limit: CHUNK,
            now,
            today: this.today(now),
            cause: { kind: 'backfill', ruleVersion: version },
            topic: this.topic,
            publish: true,
          });
          const finished = chunk.customers < CHUNK;
          await client.query(
            `update segments.backfills set processed = processed + $3, entered = entered + $4, exited = exited + $5, after_customer_id = coalesce($6, after_customer_id),
               status = case when $7 then 'done' else status end, finished_at = case when $7 then now() else null end,
               total = case when $7 then processed + $3 else greatest(total, processed + $3) end
             where segment_id = $1 and version = $2`,
            [segmentId, version, chunk.customers, chunk.entered, chunk.exited, chunk.lastCustomerId, finished],
          );
          evaluated.inc({ kind: 'backfill' }, chunk.customers);
          return finished;
        }),
      );
      if (done) break;
    }
    this.logger.log({ msg: 'segment backfill finished', segmentId, version, seconds: (Date.now() - started) / 1000 });
  }

  /**
   * One pass of a segment (or its deletion: rule null) over every customer, chunk by chunk. Each
   * chunk first checks, under the lock, that the pass still applies: a time pass stops when a new
   * version or a deletion came in (the new version's backfill takes over), a deletion pass when
   * the id was created again.
   */
  private async evaluateAll(segment: Omit<ActiveSegment, 'rule'> & { rule: Rule | null }, cause: MembershipCause, kind: string, at = new Date()): Promise<{ entered: number; exited: number }> {
    let after: string | null = null;
    let entered = 0;
    let exited = 0;
    for (;;) {
      const chunk = await retrying(() =>
        this.transaction(async (client) => {
          await lockMemberships(client);
          const { rows } = await client.query<{ version: number; deleted: boolean }>(`select version, deleted_at is not null as deleted from segments.definitions where segment_id = $1`, [segment.id]);
          const still = rows[0] !== undefined && rows[0].version === segment.version && rows[0].deleted === (segment.rule === null);
          if (!still) return null;
          return evaluateSegmentChunk(client, segment, { after, limit: CHUNK, now: at.getTime(), today: this.today(at.getTime()), cause, topic: this.topic, publish: true });
        }),
      );
      if (chunk === null) return { entered, exited };
      evaluated.inc({ kind }, chunk.customers);
      entered += chunk.entered;
      exited += chunk.exited;
      if (chunk.customers < CHUNK || chunk.lastCustomerId === null) return { entered, exited };
      after = chunk.lastCustomerId;
    }
  }

  private async saveVersion(client: PoolClient, id: string, version: number, input: SegmentInput): Promise<void> {
    await client.query(`insert into segments.definition_versions (segment_id, version, name, description, rule, created_at) values ($1, $2, $3, $4, $5, now())`, [
      id,
      version,
      input.name,
      input.description,
      JSON.stringify(input.rule),
    ]);
  }

  /** The backfill row is written with the version, so the API shows it from the first answer on. */
  private async queueBackfill(client: PoolClient, segmentId: string, version: number): Promise<void> {
    await client.query(`update segments.backfills set status = 'superseded', finished_at = now() where segment_id = $1 and version < $2 and status = 'running'`, [segmentId, version]);
    await client.query(
      `insert into segments.backfills (segment_id, version, status, total, started_at)
       select $1, $2, 'running', (select count(*) from customer_360.customers), now() on conflict do nothing`,
      [segmentId, version],
    );
  }

  private refuseBuiltIn(id: string, what: string): void {
    if (isBuiltIn(id)) throw new ConflictError(`${id} is a built-in segment; built-in segments cannot be ${what}`);
  }

  /** Today's date in the deployment's time zone (birthdays, DESIGN §11). */
  private today(now: number): string {
    return dayOf(now, this.config.timezone);
  }

  private async transaction<T>(work: (client: PoolClient) => Promise<T>): Promise<T> {
    const { client, release } = await checkout(this.pool);
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      release();
    }
  }
}

const RETRIES = 4;

/** Runs a chunk again after a pause when it fails (a connection blip, a lock timeout); the last failure is thrown. */
async function retrying<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= RETRIES) throw error;
      await new Promise((done) => setTimeout(done, 500 * 2 ** (attempt - 1)));
    }
  }
}

type DefinitionRow = {
  segment_id: string;
  name: string;
  description: string | null;
  version: number;
  rule: Rule;
  time_relative: boolean;
  created_at: Date;
  updated_at: Date;
  size: number;
  backfill: { version: number; status: BackfillView['status']; total: number; processed: number; entered: number; exited: number; started_at: string; finished_at: string | null; error: string | null } | null;
};

const DEFINITION_SELECT = `
  select d.segment_id, d.name, d.description, d.version, d.rule, d.time_relative, d.created_at, d.updated_at,
    (select count(*)::integer from customer_360.segment_members m where m.segment_id = d.segment_id) as size,
    (select row_to_json(b) from (select version, status, total, processed, entered, exited, started_at, finished_at, error
       from segments.backfills b where b.segment_id = d.segment_id order by version desc limit 1) b) as backfill
  from segments.definitions d`;

function definitionView(r: DefinitionRow): SegmentView {
  const b = r.backfill;
  return {
    id: r.segment_id,
    name: r.name,
    description: r.description,
    builtIn: false,
    version: r.version,
    rule: r.rule,
    timeRelative: r.time_relative,
    size: r.size,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    backfill: b && {
      version: b.version,
      status: b.status,
      total: b.total,
      processed: b.processed,
      entered: b.entered,
      exited: b.exited,
      startedAt: new Date(b.started_at).toISOString(),
      finishedAt: b.finished_at && new Date(b.finished_at).toISOString(),
      error: b.error,
    },
  };
}

function builtInView(id: string, size: number): SegmentView {
  return { id, name: id, description: null, builtIn: true, version: 1, rule: null, timeRelative: id.startsWith('stage:') || id.startsWith('value:') || id.startsWith('interest:'), size, createdAt: null, updatedAt: null, backfill: null };
}
