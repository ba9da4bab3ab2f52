import { Principal, canReadPersonalData } from '@tessera/platform';

/**
 * Who appends: an API key, or a trusted internal writer. `mayCompareContent` says whether it may
 * learn if a re-send of an eventId that someone else wrote matches the stored content.
 */
export type EventWriter = { id: string; mayCompareContent: boolean };

/**
 * The Kafka ingest consumer: upstream systems that may produce to the ingest topic are trusted
 * like a key with pii:read (their answers go to the dead-letter topic, read by operators).
 */
export const KAFKA_INGEST_WRITER: EventWriter = { id: 'internal:kafka-ingest', mayCompareContent: true };

export function writerOf(principal: Principal): EventWriter {
  return { id: principal.keyId, mayCompareContent: canReadPersonalData(principal) };
}

/** eventId → the writer that first named it; null when unknown (stored before writers were kept). */
export type EventOwners = ReadonlyMap<string, string | null>;

/**
 * The request indexes whose eventId belongs to another writer that this writer may not compare
 * content with: those are refused whatever their content, so the answer tells nothing about it.
 */
export function foreignEventIds(eventIds: readonly string[], owners: EventOwners, writer: EventWriter): { index: number; eventId: string }[] {
  if (writer.mayCompareContent) return [];
  return eventIds.flatMap((eventId, index) => (owners.get(eventId) === writer.id ? [] : [{ index, eventId }]));
}

export { EventIdTakenError } from '@tessera/event-store';
