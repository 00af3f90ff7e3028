export * from './problem-catalogue';
export * from './problem-pages';
