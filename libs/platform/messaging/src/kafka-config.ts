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
  /** How the services create the topics, and what they accept of a topic that already exists (default: `topicSettingsFromEnv({})`). */
  topics?: TopicSettings;
}

/** warn: log what could drop events and carry on; refuse: stop at start-up instead. */
export type TopicConfigCheck = 'warn' | 'refuse';

export interface TopicSettings {
  /** Copies of every partition (KAFKA_REPLICATION_FACTOR): 1 for a local broker, 3 in production. */
  replicationFactor: number;
  /** Copies an `acks=all` write must reach before it is acknowledged (KAFKA_MIN_INSYNC_REPLICAS). */
  minInsyncReplicas: number;
  /** How long dead letters are kept (KAFKA_DEAD_LETTER_RETENTION_MS): long enough to be looked at and re-driven. */
  deadLetterRetentionMs: number;
  check: TopicConfigCheck;
}

const DAY_MS = 24 * 60 * 60 * 1000;

const MECHANISMS: readonly string[] = ['scram-sha-256', 'scram-sha-512'];

/**
 * KAFKA_SASL_MECHANISM (SCRAM-SHA-256 or SCRAM-SHA-512) with KAFKA_SASL_USERNAME and
 * KAFKA_SASL_PASSWORD; KAFKA_SSL=true for TLS, KAFKA_SSL_CA_FILE for a private authority.
 * Half a configuration is an error at start-up, never a silent fallback to plaintext.
 */
export function kafkaSecurityFromEnv(env: NodeJS.ProcessEnv): Pick<KafkaSettings, 'sasl' | 'ssl'> {
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

/** From the environment the app's config.ts hands over: libraries never read the process's own. */
export function kafkaSettingsFromEnv(clientId: string, env: NodeJS.ProcessEnv): KafkaSettings {
  return {
    brokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    clientId,
    topic: env.KAFKA_TOPIC ?? 'tally.events',
    partitions: settingsFrom(env).get('KAFKA_TOPIC_PARTITIONS').default('12').asIntAtLeast(),
    ...kafkaSecurityFromEnv(env),
    topics: topicSettingsFromEnv(env),
  };
}

/**
 * KAFKA_REPLICATION_FACTOR (default 1), KAFKA_MIN_INSYNC_REPLICAS (default 2 from 3 copies on, else 1:
 * one broker may be lost without refusing writes), KAFKA_DEAD_LETTER_RETENTION_MS (30 days) and
 * KAFKA_TOPIC_CONFIG_CHECK (warn | refuse).
 */
export function topicSettingsFromEnv(env: NodeJS.ProcessEnv): TopicSettings {
  const settings = settingsFrom(env);
  const replicationFactor = settings.get('KAFKA_REPLICATION_FACTOR').default('1').asIntAtLeast();
  const minInsyncReplicas = settings
    .get('KAFKA_MIN_INSYNC_REPLICAS')
    .default(replicationFactor >= 3 ? '2' : '1')
    .asIntAtLeast();
  if (minInsyncReplicas > replicationFactor)
    throw new Error(
      `KAFKA_MIN_INSYNC_REPLICAS (${minInsyncReplicas}) must not exceed KAFKA_REPLICATION_FACTOR ` +
        `(${replicationFactor}): no write could ever be acknowledged`,
    );
  return {
    replicationFactor,
    minInsyncReplicas,
    deadLetterRetentionMs: settings
      .get('KAFKA_DEAD_LETTER_RETENTION_MS')
      .default(String(30 * DAY_MS))
      .asIntAtLeast(),
    check: settings.get('KAFKA_TOPIC_CONFIG_CHECK').default('warn').asEnum(['warn', 'refuse']),
  };
}

/**
 * kafkajs warns of this whenever an idempotent producer's retries are bounded, which ours are on
 * purpose: a send must fail within its deadline rather than retry for ever. Nothing relies on the
 * producer alone for exactly-once: the relay records what the broker acknowledged and re-sends the
 * rest from the event store, and consumers apply each stream version once, so a duplicate the
 * bounded retries might cause changes nothing. Logged at debug, as the expected setting it is.
 */
const BOUNDED_RETRIES_WARNING = 'Limiting retries for the idempotent producer may invalidate EoS guarantees';

/** Routes kafkajs' own log lines into the service's structured logger. */
const toLogger =
  (logger: KafkaLogger): logCreator =>
  () =>
  ({ level, log: { message, ...rest } }: LogEntry) => {
    if (message === BOUNDED_RETRIES_WARNING) return logger.debug({ kafka: rest }, message);
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
