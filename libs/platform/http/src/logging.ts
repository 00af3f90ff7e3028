import { LoggerModule } from 'nestjs-pino';

/**
 * Structured JSON logs on stdout, one line per event, with the request's correlation id on every line
 * logged while handling it. LOG_LEVEL picks the level; LOG_REQUESTS=false silences per-request lines.
 */
export const loggingModule = (service: string) =>
  LoggerModule.forRoot({
    pinoHttp: {
      level: process.env.LOG_LEVEL ?? 'info',
      base: { service },
      autoLogging: process.env.LOG_REQUESTS !== 'false',
      customAttributeKeys: { reqId: 'correlationId' },
      redact: ['req.headers.authorization'],
      serializers: {
        req: (req: { method: string; url: string }) => ({ method: req.method, url: req.url }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
      },
    },
  });
