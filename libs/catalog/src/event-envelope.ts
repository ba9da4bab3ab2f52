import { Type } from 'class-transformer';
import { IsIn, IsObject, IsOptional, IsString, IsUUID, Length, Matches, ValidateNested } from 'class-validator';
import { CHANNELS, EVENT_TYPES } from './event-catalog';
import { IDENTIFIER } from './field-rules';

/** The envelope every event arrives in (DESIGN §2); `data` is validated by its type's class. */
export class EventMetadata {
  @IsOptional() @IsString() @Length(1, 128)
  correlationId?: string;

  @IsOptional() @IsString() @Length(1, 128)
  causationId?: string;

  @IsOptional() @IsString() @Length(1, 128)
  source?: string;
}

export const OCCURRED_AT = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,9})?)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/;

export class EventEnvelope {
  @IsOptional() @IsUUID('all', { message: 'eventId must be a UUID' })
  eventId?: string;

  @IsString() @IsIn(EVENT_TYPES, { message: `type must be one of ${EVENT_TYPES.join(', ')}` })
  type!: string;

  @IsString() @Matches(IDENTIFIER, { message: 'customerId must be 1–128 characters of A-Z a-z 0-9 . _ : @ -' })
  customerId!: string;

  @IsString() @Matches(OCCURRED_AT, { message: 'occurredAt must be an ISO-8601 date-time with an offset, e.g. 2026-11-24T09:30:00+08:00' })
  occurredAt!: string;

  @IsString() @IsIn(CHANNELS, { message: `channel must be one of ${CHANNELS.join(', ')}` })
  channel!: string;

  @IsObject({ message: 'data must be an object' })
  data!: Record<string, unknown>;

  @IsOptional() @IsObject({ message: 'metadata must be an object' }) @ValidateNested() @Type(() => EventMetadata)
  metadata?: EventMetadata;
}
