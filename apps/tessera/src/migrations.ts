import { EventStore1764000000000 } from '@tessera/event-store/postgres/migrations/1764000000000-event-store';
import { ApiKeys1764000000100 } from '@tessera/platform/auth/migrations/1764000000100-api-keys';
import { MigrationClass } from '@tessera/platform/database/data-source';

/** Every schema migration of the deployable, in order. */
export const MIGRATIONS: MigrationClass[] = [EventStore1764000000000, ApiKeys1764000000100];
