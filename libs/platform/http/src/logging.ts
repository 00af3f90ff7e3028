import { LoggerModule } from 'nestjs-pino';
import { settingsFrom } from '@tally/settings';

/** How much the service logs: the pino level, and whether each request gets its own line. */
export interface LoggingConfig {
  level: string;
  logRequests: boolean;
}

const LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** `LOG_LEVEL` (default info) and `LOG_REQUESTS` (false silences per-request lines), from the app's config. */
export const loggingConfigFromEnv = (env: NodeJS.ProcessEnv): LoggingConfig => {
  const settings = settingsFrom(env);
  return {
    level: settings
      .get('LOG_LEVEL')
      .default('info')
      .asEnum([...LEVELS]),
    logRequests: settings.get('LOG_REQUESTS').default('true').asBool(),
  };
};

/**
 * Structured JSON logs on stdout, one line per event, with the request's correlation id on every line
 * logged while handling it.
 */
export const loggingModule = (service: string, config: LoggingConfig) =>
  LoggerModule.forRoot({
    pinoHttp: {
      level: config.level,
      base: { service },
      autoLogging: config.logRequests,
      customAttributeKeys: { reqId: 'correlationId' },
      redact: ['req.headers.authorization'],
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  });
