import { Customer3601764000000200, CUSTOMER_360_ENTITIES } from '@tessera/customers';
import { EventIdOwners1764000000700, EventStore1764000000000, EventWriters1764000000710 } from '@tessera/event-store';
import { ApiKeys1764000000100, EntityClass, MigrationClass } from '@tessera/platform';
import { SegmentFunctions1764000000300, Segments1764000000400 } from '@tessera/segments';
import { Outbox1764000000500 } from '@tessera/outbox';
import { EventWriters1764000000610, EventWritersInEvents1764000000720 } from '@tessera/ingestion';

/** Every schema migration of the deployable, in order. */
export const MIGRATIONS: MigrationClass[] = [EventStore1764000000000, ApiKeys1764000000100, Customer3601764000000200, SegmentFunctions1764000000300, Segments1764000000400, Outbox1764000000500, EventWriters1764000000610, EventIdOwners1764000000700, EventWriters1764000000710, EventWritersInEvents1764000000720];

/** The read-model entities the query side reads through TypeORM. */
export const ENTITIES: EntityClass[] = [...CUSTOMER_360_ENTITIES];
