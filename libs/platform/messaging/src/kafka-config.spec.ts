import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kafkaSecurityFromEnv, kafkaSettingsFromEnv } from './kafka-config';

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
