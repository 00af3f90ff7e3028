export * from './command-test-app';
