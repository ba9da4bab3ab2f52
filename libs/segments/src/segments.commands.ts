import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { SegmentInput } from './segment-definition';
import { SegmentsService, SegmentView } from './segments.service';

/** Save a new custom segment (version 1) and start its backfill. */
export class DefineSegment extends Command<SegmentView> {
  constructor(readonly input: SegmentInput) {
    super();
  }
}

/** Save a new version of a custom segment and start its backfill. */
export class ChangeSegment extends Command<SegmentView> {
  constructor(
    readonly segmentId: string,
    readonly input: SegmentInput,
  ) {
    super();
  }
}

/** Delete a custom segment: every member exits. */
export class DeleteSegment extends Command<void> {
  constructor(readonly segmentId: string) {
    super();
  }
}

@CommandHandler(DefineSegment)
export class DefineSegmentHandler implements ICommandHandler<DefineSegment> {
  constructor(private readonly segments: SegmentsService) {}
  execute({ input }: DefineSegment): Promise<SegmentView> {
    return this.segments.create(input);
  }
}

@CommandHandler(ChangeSegment)
export class ChangeSegmentHandler implements ICommandHandler<ChangeSegment> {
  constructor(private readonly segments: SegmentsService) {}
  execute({ segmentId, input }: ChangeSegment): Promise<SegmentView> {
    return this.segments.update(segmentId, input);
  }
}

@CommandHandler(DeleteSegment)
export class DeleteSegmentHandler implements ICommandHandler<DeleteSegment> {
  constructor(private readonly segments: SegmentsService) {}
  execute({ segmentId }: DeleteSegment): Promise<void> {
    return this.segments.remove(segmentId);
  }
}
