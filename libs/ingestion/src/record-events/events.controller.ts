import { Body, Controller, HttpCode, Post, Req } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { AuthenticatedRequest, RequireScope, ValidationError } from '@tessera/platform';
import { writerOf } from './event-writer';
import { RecordEvents, RecordedResult } from './record-events.command';

export const BATCH_MAX_EVENTS = 1000;

@Controller('v1/events')
@RequireScope('events:write')
export class EventsController {
  constructor(private readonly commands: CommandBus) {}

  @Post()
  @HttpCode(202)
  async recordOne(@Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<RecordedResult> {
    const [result] = await this.commands.execute(new RecordEvents([body], false, writerOf(request.principal)));
    return result;
  }

  @Post('batch')
  @HttpCode(202)
  async recordBatch(@Body() body: unknown, @Req() request: AuthenticatedRequest): Promise<{ results: RecordedResult[] }> {
    const events = (body as { events?: unknown } | null)?.events;
    if (!Array.isArray(events) || events.length < 1 || events.length > BATCH_MAX_EVENTS || Object.keys(body as object).length !== 1) {
      throw new ValidationError('a batch is {"events": [...]} with 1 to 1000 events', [
        { pointer: '/events', rule: 'arraySize', message: `events must be an array of 1 to ${BATCH_MAX_EVENTS} events, and the only field` },
      ]);
    }
    return { results: await this.commands.execute(new RecordEvents(events, true, writerOf(request.principal))) };
  }
}
