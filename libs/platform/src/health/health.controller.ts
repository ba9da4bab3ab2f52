import { Controller, Get, Header, Inject, Res } from '@nestjs/common';
import { FastifyReply } from 'fastify';
import { Public } from '../auth/route-access';
import { TESSERA_CONFIG, TesseraConfig } from '../config/tessera-config';
import { HEALTH_CHECKS, HealthCheck, HealthReport, runHealthChecks } from './health-checks';
import { registry } from './metrics';

@Controller()
@Public()
export class HealthController {
  constructor(
    @Inject(HEALTH_CHECKS) private readonly checks: HealthCheck[],
    @Inject(TESSERA_CONFIG) private readonly config: TesseraConfig,
  ) {}

  /** Liveness: the process answers. */
  @Get('health/live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: every dependency the running roles need (DESIGN §11). */
  @Get('health')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthReport> {
    const report = await runHealthChecks(this.checks, [...this.config.roles]);
    reply.status(report.status === 'down' ? 503 : 200);
    return report;
  }

  @Get('metrics')
  @Header('Content-Type', registry.contentType)
  metrics(): Promise<string> {
    return registry.metrics();
  }
}
