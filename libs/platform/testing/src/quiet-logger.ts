/** A logger that drops everything, for clients (kafkajs, consumers, relays) whose logs a test does not read. */
export const quietLogger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};
