export * from './openapi-document';
export * from './preview-document';
export * from './problem-responses';
export * from './openapi-file';
