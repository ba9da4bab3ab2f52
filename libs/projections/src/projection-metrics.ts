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
