import { Command, CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { ProjectionsService } from './projections.service';

/** Starts a rebuild of one projection in the background (it outlives the request). */
export class RebuildProjection extends Command<void> {
  constructor(readonly name: string) {
    super();
  }
}

@CommandHandler(RebuildProjection)
export class RebuildProjectionHandler implements ICommandHandler<RebuildProjection> {
  constructor(private readonly projections: ProjectionsService) {}

  async execute({ name }: RebuildProjection): Promise<void> {
    await this.projections.startRebuild(name);
  }
}
