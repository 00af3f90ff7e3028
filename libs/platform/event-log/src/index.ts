export * from './logged-event';
export * from './event-rows';
export * from './event-log';
