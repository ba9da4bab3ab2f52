import { ANY, NO_STREAM, jsonEvent } from '@eventstore/db-client';
import type { AppendExpectedRevision, EventData, JSONEventData, Position } from '@eventstore/db-client';
import { ExpectedRevision, NewEvent, RecordedEvent } from '../event-store.port';
import { encodePosition, isLogPosition } from './eventstoredb-positions';

/** The fields this adapter reads from a client RecordedEvent (JSON or binary). */
export type EsdbEvent = { id: string; streamId: string; revision: bigint; type: string; created: Date; data: unknown; metadata: unknown; position?: Position };
/** Where an event is: its stream revision and its opaque `$all` position. */
export type Stored = { streamRevision: bigint; position: string };

type Envelope = { occurredAt: string; channel: string; metadata: Record<string, unknown>; $correlationId?: string; $causationId?: string };

/** Client metadata as given, plus occurredAt and channel; correlation ids also under EventStoreDB's own keys. */
export function toEsdbEvent(event: NewEvent): JSONEventData {
  const envelope: Envelope = { occurredAt: event.occurredAt, channel: event.channel, metadata: event.metadata };
  if (typeof event.metadata.correlationId === 'string') envelope.$correlationId = event.metadata.correlationId;
  if (typeof event.metadata.causationId === 'string') envelope.$causationId = event.metadata.causationId;
  return jsonEvent({ id: event.eventId, type: event.type, data: event.data, metadata: envelope });
}

/**
 * What an event counts against the server's MaxAppendSize: its data and metadata as the client
 * serializes them (UTF-8 JSON), plus its type (counted as two bytes a character, as the server
 * sizes strings). An append's size is the sum over its events.
 */
export function appendSize(event: EventData): number {
  return jsonBytes(event.data) + jsonBytes(event.metadata) + 2 * event.type.length;
}

function jsonBytes(value: unknown): number {
  if (value === undefined) return 0;
  if (value instanceof Uint8Array) return value.byteLength;
  return Buffer.byteLength(JSON.stringify(value), 'utf8');
}

export function toRecorded(event: EsdbEvent, position: Position): RecordedEvent {
  const envelope = isRecord(event.metadata) ? event.metadata : {};
  const recordedAt = event.created.toISOString();
  return {
    eventId: event.id,
    streamId: event.streamId,
    streamRevision: BigInt(event.revision),
    position: encodePosition(position),
    type: event.type,
    occurredAt: typeof envelope.occurredAt === 'string' ? envelope.occurredAt : recordedAt,
    channel: typeof envelope.channel === 'string' ? envelope.channel : 'other',
    recordedAt,
    data: isRecord(event.data) ? event.data : {},
    metadata: isRecord(envelope.metadata) ? envelope.metadata : {},
  };
}

export function storedFromEvent(event: EsdbEvent): Stored {
  return { streamRevision: BigInt(event.revision), position: encodePosition(requirePosition(event)) };
}

export function requirePosition(event: EsdbEvent): Position {
  if (!isLogPosition(event.position)) {
    throw new Error(`EventStoreDB did not report the $all position of event ${event.id} in ${event.streamId} (EventStoreDB 22.6 or later is required)`);
  }
  return event.position;
}

export function isUserEvent(event: EsdbEvent): boolean {
  return !event.type.startsWith('$') && !event.streamId.startsWith('$');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

export function toEsdbExpected(expected: ExpectedRevision): AppendExpectedRevision {
  switch (expected.kind) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'exact':
      return expected.revision;
    default: {
      const unreachable: never = expected;
      return unreachable;
    }
  }
}
