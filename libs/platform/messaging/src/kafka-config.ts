import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topic: string;
  partitions: number;
}

export interface KafkaLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export function kafkaSettingsFromEnv(clientId: string, env = process.env): KafkaSettings {
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    clientId,
    topic: env.KAFKA_TOPIC ?? 'tally.events',
    partitions: Number(env.KAFKA_TOPIC_PARTITIONS ?? 12),
  };
}

/** Routes kafkajs' own log lines into the service's structured logger. */
const toLogger =
  (logger: KafkaLogger): logCreator =>
  () =>
  ({ level, log: { message, ...rest } }: LogEntry) => {
    const method = level <= logLevel.ERROR ? 'error' : level === logLevel.WARN ? 'warn' : 'info';
    logger[method]({ kafka: rest }, message);
  };

export function createKafka(settings: KafkaSettings, logger: KafkaLogger): Kafka {
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: toLogger(logger),
    connectionTimeout: 3_000,
    retry: { initialRetryTime: 200, retries: 8 },
  });
}
