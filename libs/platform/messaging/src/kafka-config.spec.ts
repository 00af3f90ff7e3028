import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kafkaSecurityFromEnv, kafkaSettingsFromEnv, topicSettingsFromEnv } from './kafka-config';

describe('Kafka security settings from the environment', () => {
  it('is plaintext without SASL or TLS variables', () => expect(kafkaSecurityFromEnv({})).toEqual({}));

  it('reads SCRAM credentials, whatever the case of the mechanism', () =>
    expect(
      kafkaSettingsFromEnv('svc', {
        KAFKA_SASL_MECHANISM: 'SCRAM-SHA-512',
        KAFKA_SASL_USERNAME: 'tally-command',
        KAFKA_SASL_PASSWORD: 's3cret',
      }).sasl,
    ).toEqual({ mechanism: 'scram-sha-512', username: 'tally-command', password: 's3cret' }));

  it('turns on TLS, with a private certificate authority from a file', () => {
    const ca = path.join(mkdtempSync(path.join(tmpdir(), 'tally-ca-')), 'ca.pem');
    writeFileSync(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true' })).toEqual({ ssl: {} });
    expect(kafkaSecurityFromEnv({ KAFKA_SSL: 'true', KAFKA_SSL_CA_FILE: ca }).ssl?.ca).toContain(
      'BEGIN CERTIFICATE',
    );
  });

  it.each([
    ['a mechanism without credentials', { KAFKA_SASL_MECHANISM: 'SCRAM-SHA-256' }],
    ['credentials without a mechanism', { KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' }],
    [
      'PLAIN, which sends the password as is',
      { KAFKA_SASL_MECHANISM: 'PLAIN', KAFKA_SASL_USERNAME: 'u', KAFKA_SASL_PASSWORD: 'p' },
    ],
    ['a CA file without TLS', { KAFKA_SSL_CA_FILE: '/etc/ssl/ca.pem' }],
    ['KAFKA_SSL=yes', { KAFKA_SSL: 'yes' }],
  ])('refuses %s rather than falling back to plaintext', (_, env) =>
    expect(() => kafkaSecurityFromEnv(env)).toThrow(),
  );
});

describe('Kafka topic settings from the environment', () => {
  it('defaults to one copy for a local broker, 30 days of dead letters, and warnings', () =>
    expect(topicSettingsFromEnv({})).toEqual({
      replicationFactor: 1,
      minInsyncReplicas: 1,
      deadLetterRetentionMs: 30 * 86_400_000,
      check: 'warn',
    }));

  it('requires two in-sync copies out of three by default', () =>
    expect(topicSettingsFromEnv({ KAFKA_REPLICATION_FACTOR: '3' })).toMatchObject({
      replicationFactor: 3,
      minInsyncReplicas: 2,
    }));

  it('refuses at start-up with KAFKA_TOPIC_CONFIG_CHECK=refuse', () =>
    expect(topicSettingsFromEnv({ KAFKA_TOPIC_CONFIG_CHECK: 'refuse' }).check).toBe('refuse'));

  it.each([
    ['more in-sync copies than copies', { KAFKA_REPLICATION_FACTOR: '3', KAFKA_MIN_INSYNC_REPLICAS: '4' }],
    ['a replication factor of 0', { KAFKA_REPLICATION_FACTOR: '0' }],
    ['an unknown check', { KAFKA_TOPIC_CONFIG_CHECK: 'ignore' }],
    ['a malformed retention', { KAFKA_DEAD_LETTER_RETENTION_MS: '30d' }],
  ])('refuses %s', (_, env) => expect(() => topicSettingsFromEnv(env)).toThrow());
});
