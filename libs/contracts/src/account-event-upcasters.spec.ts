import { AccountEventType, currentAccountSchemaVersion } from './account-events';
import { decodeEvent, encodeEvent } from './event-decoding';
import type { EventEnvelope } from './event-envelope';
import { upcast } from './upcasters';
import './account-event-upcasters';

const deposit = (schemaVersion: number, data: Record<string, unknown>): EventEnvelope => ({
  eventId: '6f1c2a0e-6a43-4a8e-9d43-3b1f3c1d2e10',
  type: AccountEventType.MoneyDeposited,
  schemaVersion,
  streamId: 'account-a1',
  streamVersion: 2,
  occurredAt: '2026-11-28T08:00:00.000Z',
  data,
  metadata: { correlationId: 'c1', causationId: 'c1' },
});

describe('MoneyDeposited schema evolution', () => {
  it('is written as v2', () => expect(currentAccountSchemaVersion[AccountEventType.MoneyDeposited]).toBe(2));

  it('reads a v1 deposit as v2 with source "unknown"', () =>
    expect(upcast(deposit(1, { amount: 500 }))).toMatchObject({
      schemaVersion: 2,
      data: { amount: 500, source: 'unknown' },
    }));

  it('leaves a v2 deposit as it was written', () =>
    expect(upcast(deposit(2, { amount: 500, source: 'api' })).data).toEqual({ amount: 500, source: 'api' }));

  it('decodes a v1 deposit from the topic as v2', () =>
    expect(decodeEvent(encodeEvent(deposit(1, { amount: 7 })))).toMatchObject({
      schemaVersion: 2,
      data: { amount: 7, source: 'unknown' },
    }));
});
