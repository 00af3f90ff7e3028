export * from './read-model-fold';
export * from './read-database';
