import { SetMetadata } from '@nestjs/common';
import { RecordedEvent } from '@tessera/event-store';
import { PoolClient } from 'pg';

export { PoisonEventError } from './poison-event-error';

/**
 * A projection: read-model tables in one PostgreSQL schema of their own, fed from the log in
 * order by the runner. Its checkpoint and parked events live in the same schema, so a rebuild
 * into a fresh schema and the switch to it move everything at once.
 */
export interface Projection {
  /** Stable name used in the API, metrics and leases, e.g. `customer-360`. */
  readonly name: string;
  /** The live schema, e.g. `customer_360`. */
  readonly schema: string;
  /**
   * Applies a batch of events (log order) inside the runner's transaction, writing to the tables
   * of `context.schema` only. Returns the events it could not apply (they are parked, the rest
   * of the batch commits). Throwing rolls the whole batch back.
   */
  apply(events: readonly RecordedEvent[], context: ApplyContext): Promise<ApplyResult>;
  /**
   * Called once a rebuilt copy is live: work that wrote to the old copy while the rebuild ran
   * (outside the log, e.g. segment backfills) is redone here. Its failure is logged, not thrown.
   */
  afterRebuild?(): Promise<void>;
}

export type ApplyContext = {
  client: PoolClient;
  /** Live schema, or the shadow schema during a rebuild. */
  schema: string;
  now: Date;
};

export type ParkedEvent = { event: RecordedEvent; error: string };
export type ApplyResult = { parked: ParkedEvent[] };

export const PROJECTION = Symbol('tessera:projection');

/** Marks a provider as a projection; the projections module discovers and runs it. */
export const ProjectionProvider = (): ClassDecorator => SetMetadata(PROJECTION, true);

/** Quotes a schema name we own (never user input): identifiers only. */
export function schemaName(schema: string): string {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new RangeError(`not a projection schema name: ${schema}`);
  return `"${schema}"`;
}
