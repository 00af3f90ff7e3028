export * from './kafka-config';
export * from './topics';
export * from './kafka-event-publisher';
export * from './kafka.module';
export * from './dead-letter-publisher';
export * from './dead-letters';
export * from './acknowledgements';
