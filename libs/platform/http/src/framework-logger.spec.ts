import type { LoggerService } from '@nestjs/common';
import { withFrameworkAtDebug } from './framework-logger';

describe('withFrameworkAtDebug', () => {
  const calls: [string, unknown[]][] = [];
  const record =
    (level: string) =>
    (...args: unknown[]) =>
      void calls.push([level, args]);
  const inner: LoggerService = {
    log: record('info'),
    error: record('error'),
    warn: record('warn'),
    debug: record('debug'),
  };
  beforeEach(() => (calls.length = 0));

  it("logs Nest's start-up chatter at debug and everything else as it was", () => {
    const logger = withFrameworkAtDebug(inner);
    logger.log('Mapped {/accounts, POST} route', 'RouterExplorer');
    logger.log('KafkaModule dependencies initialized', 'InstanceLoader');
    logger.log('command service listening on http://127.0.0.1:3001', 'main');
    logger.warn('slow', 'RouterExplorer');
    logger.error('Error: listen EADDRINUSE', 'NestApplication');
    expect(calls.map(([level, [message]]) => [level, message])).toEqual([
      ['debug', 'Mapped {/accounts, POST} route'],
      ['debug', 'KafkaModule dependencies initialized'],
      ['info', 'command service listening on http://127.0.0.1:3001'],
      ['warn', 'slow'],
      ['error', 'Error: listen EADDRINUSE'],
    ]);
  });
});
