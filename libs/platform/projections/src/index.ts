export * from './projection';
export * from './select-new-events';
export * from './stream-positions';
export * from './projection-consumer';
export * from './projections.module';
export * from './migrations/1764316800100-create-stream-positions';
