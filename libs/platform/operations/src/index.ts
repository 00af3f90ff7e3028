export * from './pipeline-overview';
export * from './read-pipeline-overview';
export * from './overview-reader';
export * from './replica-set-status';
export * from './relay-status';
export * from './transfer-status';
export * from './command-rates';
export * from './sql';
