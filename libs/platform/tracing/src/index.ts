export * from './tracer';
export * from './trace-fields';
export * from './kafka-headers';
export * from './messaging-attributes';
export * from './tracing-config';
export * from './start-tracing';
export * from './service-tracing';
