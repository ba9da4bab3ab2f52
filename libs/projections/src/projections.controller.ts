import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { RequireScope } from '@tessera/platform';
import { ProjectionsService, ProjectionStatus } from './projections.service';
import { RebuildProjection } from './rebuild-projection.command';

@Controller('v1/projections')
@RequireScope('admin')
export class ProjectionsController {
  constructor(
    private readonly projections: ProjectionsService,
    private readonly commands: CommandBus,
  ) {}

  /** Position, lag in events and seconds, parked events, runner and rebuild state. */
  @Get()
  async list(): Promise<{ items: ProjectionStatus[]; nextCursor: null }> {
    return { items: await this.projections.statuses(), nextCursor: null };
  }

  @Get(':name')
  status(@Param('name') name: string): Promise<ProjectionStatus> {
    return this.projections.status(this.projections.get(name));
  }

  /**
   * Rebuilds into fresh tables in the background; queries keep answering from the old ones
   * until the switch. `202` with the status; `409` when a rebuild is already running.
   */
  @Post(':name/rebuild')
  @HttpCode(202)
  async rebuild(@Param('name') name: string): Promise<ProjectionStatus> {
    await this.commands.execute(new RebuildProjection(name));
    return this.projections.status(this.projections.get(name));
  }
}
