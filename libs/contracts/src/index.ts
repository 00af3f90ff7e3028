export * from './event-envelope';
export * from './account-events';
export * from './transfer-events';
export * from './event-decoding';
export * from './upcasters';
export * from './account-event-upcasters';
export * from './consistency-token';
