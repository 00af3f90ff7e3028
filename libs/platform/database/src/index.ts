export * from './ensure-database';
export * from './migrate';
export * from './postgres-readiness';
export * from './roles';
export * from './transaction';
export * from './database-timeouts';
