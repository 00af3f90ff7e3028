import { AccountEventType } from './account-events';
import { decodeEvent, encodeEvent, InvalidEventError } from './event-decoding';
import type { EventEnvelope } from './event-envelope';

const envelope = (overrides: Partial<EventEnvelope> = {}): EventEnvelope => ({
  eventId: '6f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10',
  type: AccountEventType.MoneyDeposited,
  schemaVersion: 2,
  streamId: 'account-a1',
  streamVersion: 2,
  occurredAt: '2026-11-28T08:00:00.000Z',
  data: { amount: 500, source: 'api' },
  metadata: { correlationId: 'c1', causationId: 'c1' },
  ...overrides,
});

describe('event decoding', () => {
  it('round-trips an envelope', () => {
    expect(decodeEvent(encodeEvent(envelope()))).toEqual(envelope());
  });

  it.each([
    ['not JSON', '{'],
    ['a JSON array', '[]'],
    ['a missing stream version', JSON.stringify({ ...envelope(), streamVersion: undefined })],
    ['an unknown type', encodeEvent(envelope({ type: 'tally.account.teleported' }))],
    ['a float amount', encodeEvent(envelope({ data: { amount: 1.5 } }))],
    ['a string amount', encodeEvent(envelope({ data: { amount: '500' } }))],
    [
      'an adjustment of 0',
      encodeEvent(
        envelope({
          type: AccountEventType.BalanceAdjusted,
          schemaVersion: 1,
          data: { amount: 0, reason: 'r' },
        }),
      ),
    ],
    [
      'an adjustment without a reason',
      encodeEvent(
        envelope({ type: AccountEventType.BalanceAdjusted, schemaVersion: 1, data: { amount: -5 } }),
      ),
    ],
  ])('rejects %s', (_, raw) => {
    expect(() => decodeEvent(raw)).toThrow(InvalidEventError);
  });

  it('accepts a signed adjustment with its reason', () => {
    const adjusted = envelope({
      type: AccountEventType.BalanceAdjusted,
      schemaVersion: 1,
      data: { amount: -5, reason: 'ticket OPS-1' },
    });
    expect(decodeEvent(encodeEvent(adjusted))).toEqual(adjusted);
  });

  it.each([
    [
      { data: { amount: 1.5, source: 'api' } },
      'tally.account.money-deposited: amount must be a positive safe integer',
    ],
    [{ data: { source: 'api' } }, 'tally.account.money-deposited: amount must be a positive safe integer'],
    [{ data: { amount: 5, source: '' } }, 'source must be a non-empty string'],
    [{ schemaVersion: 3 }, 'tally.account.money-deposited: no schema version 3 (known: 1, 2)'],
    [{ type: 'tally.account.teleported' }, 'tally.account.teleported: unknown event type'],
    [{ occurredAt: 'yesterday' }, 'envelope has invalid occurredAt'],
    [
      { metadata: {} as EventEnvelope['metadata'], streamVersion: 0 },
      'envelope has invalid streamVersion, metadata',
    ],
    [
      {
        type: AccountEventType.Opened,
        schemaVersion: 1,
        data: { accountId: 'a1', ownerId: 'o', currency: 'eur' },
      },
      'currency must be an ISO 4217 currency code',
    ],
  ])('says what is wrong with %j', (overrides, message) => {
    expect(() => decodeEvent(encodeEvent(envelope(overrides)))).toThrow(message);
  });

  it('validates a v1 deposit against v1 and reads it as v2', () => {
    const v1 = envelope({ schemaVersion: 1, data: { amount: 500 } });
    expect(decodeEvent(encodeEvent(v1))).toEqual(envelope({ data: { amount: 500, source: 'unknown' } }));
  });

  it('ignores fields it does not know, as a later optional field would be', () => {
    const richer = envelope({ data: { amount: 500, source: 'api', note: 'new in a later version' } });
    expect(decodeEvent(encodeEvent(richer)).data).toEqual({
      amount: 500,
      source: 'api',
      note: 'new in a later version',
    });
  });

  it('rejects a message without a value', () => expect(() => decodeEvent(null)).toThrow(InvalidEventError));
});
