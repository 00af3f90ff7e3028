export * from './kafka-config';
export * from './topics';
export * from './kafka-event-publisher';
