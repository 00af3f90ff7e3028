export * from './logged-event';
export * from './event-rows';
export * from './event-log';
export * from './migrations/1764316800950-event-log-reader-role';
