export * from './problem';
export * from './problem-details.filter';
export * from './validation';
export * from './correlation';
export * from './operations.controller';
export * from './create-http-app';
export * from './logging';
export * from './dependency-failure';
