import type { LoggerService } from '@nestjs/common';

/**
 * What Nest says about itself while starting (every module initialised, every route mapped): useful
 * when debugging the wiring, noise otherwise, so it is logged at debug. The service's own lines (each
 * service says where it listens) and every warning and error keep their level.
 */
const FRAMEWORK_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

const isFramework = (params: unknown[]) => {
  const context = params.at(-1);
  return typeof context === 'string' && FRAMEWORK_CONTEXTS.has(context);
};

/** The service's logger, with Nest's own info lines at debug (see FRAMEWORK_CONTEXTS). */
export const withFrameworkAtDebug = (logger: LoggerService): LoggerService => ({
  log: (message: unknown, ...params: unknown[]) =>
    isFramework(params) ? logger.debug?.(message, ...params) : logger.log(message, ...params),
  error: (message: unknown, ...params: unknown[]) => logger.error(message, ...params),
  warn: (message: unknown, ...params: unknown[]) => logger.warn(message, ...params),
  debug: (message: unknown, ...params: unknown[]) => logger.debug?.(message, ...params),
  verbose: (message: unknown, ...params: unknown[]) => logger.verbose?.(message, ...params),
  fatal: (message: unknown, ...params: unknown[]) => logger.fatal?.(message, ...params),
});
