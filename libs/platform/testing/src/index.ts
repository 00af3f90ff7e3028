export * from './test-database';
export * from './eventually';
export * from './service-process';
export * from './postgres-server';
export * from './fault-proxy';
export * from './account-events.fixture';
export * from './test-auth';
