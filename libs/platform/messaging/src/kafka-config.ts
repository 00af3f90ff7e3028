import { readFileSync } from 'node:fs';
import { settingsFrom } from '@tally/settings';
import { Kafka, logLevel, type LogEntry, type SASLOptions, type logCreator } from 'kafkajs';

export type ScramMechanism = 'scram-sha-256' | 'scram-sha-512';

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  topic: string;
  partitions: number;
  /** SASL/SCRAM credentials of this service's own user (least privilege: see infra/kafka). */
  sasl?: { mechanism: ScramMechanism; username: string; password: string };
  /** TLS to the brokers; `ca` (PEM) replaces the system's trusted authorities when given. */
  ssl?: { ca?: string };
}

const MECHANISMS: readonly string[] = ['scram-sha-256', 'scram-sha-512'];

/**
 * KAFKA_SASL_MECHANISM (SCRAM-SHA-256 or SCRAM-SHA-512) with KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD; KAFKA_SSL=true for TLS, KAFKA_SSL_CA_FILE for a private authority.
 * Half a configuration is an error at start-up, never a silent fallback to plaintext.
 */
export function kafkaSecurityFromEnv(env = process.env): Pick<KafkaSettings, 'sasl' | 'ssl'> {
  const mechanism = env.KAFKA_SASL_MECHANISM?.toLowerCase();
  const { KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password } = env;
  const security: Pick<KafkaSettings, 'sasl' | 'ssl'> = {};
  if (mechanism || username || password) {
    if (!mechanism || !MECHANISMS.includes(mechanism))
      throw new Error('KAFKA_SASL_MECHANISM must be SCRAM-SHA-256 or SCRAM-SHA-512');
    if (!username || !password)
      throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are both required with SASL');
    security.sasl = { mechanism: mechanism as ScramMechanism, username, password };
  }
  const ssl = settingsFrom(env).get('KAFKA_SSL').default('false').asBool();
  if (env.KAFKA_SSL_CA_FILE && !ssl) throw new Error('KAFKA_SSL_CA_FILE needs KAFKA_SSL=true');
  if (ssl) security.ssl = env.KAFKA_SSL_CA_FILE ? { ca: readFileSync(env.KAFKA_SSL_CA_FILE, 'utf8') } : {};
  return security;
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
    partitions: settingsFrom(env).get('KAFKA_TOPIC_PARTITIONS').default('12').asIntAtLeast(),
    ...kafkaSecurityFromEnv(env),
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
    ...(settings.sasl ? { sasl: settings.sasl as SASLOptions } : {}),
    // Certificates are always verified: there is no switch to turn that off.
    ...(settings.ssl
      ? { ssl: { rejectUnauthorized: true, ...(settings.ssl.ca ? { ca: [settings.ssl.ca] } : {}) } }
      : {}),
  });
}
