import { registry } from '@tessera/platform';
import { Counter, Gauge, Histogram } from 'prom-client';

export const projectedEvents = new Counter({
  name: 'tessera_projection_events_total',
  help: 'Events applied to read models, by projection',
  labelNames: ['projection'] as const,
  registers: [registry],
});

export const parkedEvents = new Counter({
  name: 'tessera_projection_parked_events_total',
  help: 'Events a projection could not apply and parked, by projection',
  labelNames: ['projection'] as const,
  registers: [registry],
});

export const projectionLagEvents = new Gauge({
  name: 'tessera_projection_lag_events',
  help: 'Events in the log after the projection checkpoint (capped at 100000)',
  labelNames: ['projection'] as const,
  registers: [registry],
});

export const projectionLagSeconds = new Gauge({
  name: 'tessera_projection_lag_seconds',
  help: 'Age of the oldest event the projection has not applied yet (0 when caught up)',
  labelNames: ['projection'] as const,
  registers: [registry],
});

export const projectionBatchSeconds = new Histogram({
  name: 'tessera_projection_batch_seconds',
  help: 'Time to apply one batch and commit it with the checkpoint',
  labelNames: ['projection'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  registers: [registry],
});

export const projectionStageSeconds = new Histogram({
  name: 'tessera_projection_stage_seconds',
  help: 'Time a batch spends in each stage (lock and checkpoint, ledger, load, fold, derive, each write, commit), by projection and stage',
  labelNames: ['projection', 'stage'] as const,
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [registry],
});

/** Times `work` as one stage of a projection's batch (tessera_projection_stage_seconds). */
export async function stage<T>(projection: string, name: string, work: () => Promise<T> | T): Promise<T> {
  const end = projectionStageSeconds.startTimer({ projection, stage: name });
  try {
    return await work();
  } finally {
    end();
  }
}

/** Records time measured by hand (a part of a loop) as a stage of a projection's batch. */
export function observeStage(projection: string, name: string, seconds: number): void {
  projectionStageSeconds.observe({ projection, stage: name }, seconds);
}
