import { RecordedEvent } from '@tessera/event-store';
import { checkout, isConnectionError, pgErrorCode } from '@tessera/platform';
import { Pool, PoolClient } from 'pg';
import { PoisonEventError } from './poison-event-error';
import { ParkedEvent, Projection, schemaName } from './projection';
import { stage } from './projection-metrics';

/** The stored checkpoint is not where this runner thought: another instance or a rebuild moved it. */
export class CheckpointMovedError extends Error {
  constructor(readonly position: string | null) {
    super(`the checkpoint moved to ${position ?? 'the start'}`);
    this.name = 'CheckpointMovedError';
  }
}

export type BatchOutcome = { applied: number; parked: ParkedEvent[]; position: string };

/** Shared lock of every batch; the rebuild's switch takes it exclusively (see rebuild.ts). */
export const SWITCH_LOCK_SQL = `hashtext('tessera.projection.switch:' || $1)`;

/**
 * Applies one batch in ONE transaction with the checkpoint: read-model writes, parked events and
 * the checkpoint move commit together or not at all (exactly-once effect). The checkpoint moves
 * by compare-and-set under a row lock, so a second instance can neither move it backwards nor
 * apply the same batch twice.
 */
export class BatchApplier {
  constructor(
    private readonly pool: Pool,
    private readonly projection: Projection,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async readCheckpoint(schema: string): Promise<string | null> {
    const { rows } = await this.pool.query<{ position: string | null }>(`select position from ${schemaName(schema)}.checkpoint`);
    return rows[0]?.position ?? null;
  }

  /**
   * Applies `events` (which follow `expected` in the log). A batch that fails because of an
   * event's data (PoisonEventError, or PostgreSQL refusing a value: SQLSTATE classes 22 and 23)
   * is split until that event is alone, and the event is parked with its error. Every other
   * failure — connection, lock or statement timeout, serialization, a bug — is thrown for the
   * runner to retry: parking it would move the checkpoint past a good event for ever.
   */
  async apply(events: readonly RecordedEvent[], expected: string | null, schema: string): Promise<BatchOutcome> {
    try {
      return await this.transaction(events, expected, schema, undefined);
    } catch (error) {
      if (!isPoison(error)) throw error;
      if (events.length === 1) {
        return this.transaction(events, expected, schema, { event: events[0], error: describe(error) });
      }
      const half = Math.ceil(events.length / 2);
      const first = await this.apply(events.slice(0, half), expected, schema);
      const second = await this.apply(events.slice(half), first.position, schema);
      return { applied: first.applied + second.applied, parked: [...first.parked, ...second.parked], position: second.position };
    }
  }

  private async transaction(events: readonly RecordedEvent[], expected: string | null, schema: string, poison: ParkedEvent | undefined): Promise<BatchOutcome> {
    const s = schemaName(schema);
    const { client, release } = await checkout(this.pool);
    try {
      const name = this.projection.name;
      await stage(name, 'checkpoint-lock', async () => {
        await client.query('begin');
        await client.query(`select pg_advisory_xact_lock_shared(${SWITCH_LOCK_SQL})`, [name]);
        const { rows } = await client.query<{ position: string | null }>(`select position from ${s}.checkpoint for update`);
        const stored = rows[0]?.position ?? null;
        if (stored !== expected) throw new CheckpointMovedError(stored);
      });
      const parked = poison ? [poison] : (await this.projection.apply(events, { client, schema, now: this.clock() })).parked;
      const last = events[events.length - 1];
      await stage(name, 'checkpoint-write', async () => {
        await park(client, s, parked);
        await client.query(
          `update ${s}.checkpoint set position = $1, events_applied = events_applied + $2, last_recorded_at = $3, updated_at = now()`,
          [last.position, events.length - parked.length, last.recordedAt],
        );
      });
      await stage(name, 'commit', () => client.query('commit'));
      return { applied: events.length - parked.length, parked, position: last.position };
    } catch (error) {
      await client.query('rollback').catch(() => undefined);
      throw error;
    } finally {
      release();
    }
  }
}

async function park(client: PoolClient, s: string, parked: readonly ParkedEvent[]): Promise<void> {
  if (parked.length === 0) return;
  await client.query(
    `insert into ${s}.parked_events (event_id, position, stream_id, type, error)
     select * from unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[])
     on conflict (event_id) do update set error = excluded.error, parked_at = now()`,
    [parked.map((p) => p.event.eventId), parked.map((p) => p.event.position), parked.map((p) => p.event.streamId), parked.map((p) => p.event.type), parked.map((p) => p.error.slice(0, 2000))],
  );
}

/** The event's data is at fault, so retrying cannot help. */
export function isPoison(error: unknown): boolean {
  if (error instanceof PoisonEventError) return true;
  const code = pgErrorCode(error);
  return code !== undefined && !isConnectionError(error) && (code.startsWith('22') || code.startsWith('23'));
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
