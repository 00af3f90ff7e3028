export * from './recorded-event';
export * from './postgres-event-store';
export * from './relay/outbox-relay';
export * from './migrations/1764316800000-create-event-store';
export * from './event-store.module';
