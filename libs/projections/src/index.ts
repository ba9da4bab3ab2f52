export * from './projection';
export * from './projections.module';
export * from './projections.service';
export * from './projection-rebuild';
export * from './batch-applier';
export * from './projection-runner';
export * from './poison-event-error';
export * from './projection-bookkeeping';
export { observeStage, stage } from './projection-metrics';
