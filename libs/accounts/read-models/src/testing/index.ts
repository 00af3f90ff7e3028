export * from './read-model-fold';
