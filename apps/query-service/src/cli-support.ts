import type { KafkaLogger } from '@tally/messaging';

/** Command-line tools log warnings and errors as JSON lines on stderr, keeping stdout for results. */
export const stderrLogger: KafkaLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: (obj, msg) => console.error(JSON.stringify({ level: 'warn', msg, ...obj })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', msg, ...obj })),
};
