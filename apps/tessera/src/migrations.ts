import { Customer3601764000000200 } from '@tessera/customers/customer-360/migrations/1764000000200-customer-360';
import { CUSTOMER_360_ENTITIES } from '@tessera/customers/customer-360/read-model.entities';
import { EventStore1764000000000 } from '@tessera/event-store/postgres/migrations/1764000000000-event-store';
import { ApiKeys1764000000100 } from '@tessera/platform/auth/migrations/1764000000100-api-keys';
import { SegmentFunctions1764000000300 } from '@tessera/segments/migrations/1764000000300-segment-functions';
import { Segments1764000000400 } from '@tessera/segments/migrations/1764000000400-segments';
import { Outbox1764000000500 } from '@tessera/outbox/migrations/1764000000500-outbox';
import { EventWriters1764000000610 } from '@tessera/ingestion/record-events/migrations/1764000000610-event-writers';
import { EntityClass, MigrationClass } from '@tessera/platform/database/data-source';

/** Every schema migration of the deployable, in order. */
export const MIGRATIONS: MigrationClass[] = [EventStore1764000000000, ApiKeys1764000000100, Customer3601764000000200, SegmentFunctions1764000000300, Segments1764000000400, Outbox1764000000500, EventWriters1764000000610];

/** The read-model entities the query side reads through TypeORM. */
export const ENTITIES: EntityClass[] = [...CUSTOMER_360_ENTITIES];
