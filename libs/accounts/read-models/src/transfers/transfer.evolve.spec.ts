import { TransferEventType as T } from '@tally/contracts';
import { evolveTransfer } from './transfer.evolve';

const envelope = (streamVersion: number, event: { type: string; data: unknown }, minute = 0) =>
  ({
    eventId: `e${streamVersion}`,
    streamId: 'transfer-t1',
    streamVersion,
    schemaVersion: 1,
    occurredAt: `2026-11-28T08:0${minute}:00Z`,
    metadata: { correlationId: 'c', causationId: 'c' },
    ...event,
  }) as Parameters<typeof evolveTransfer>[1];

const fold = (events: Parameters<typeof evolveTransfer>[1][]) =>
  events.reduce(evolveTransfer, undefined as ReturnType<typeof evolveTransfer>);

const requested = envelope(1, {
  type: T.Requested,
  data: { transferId: 't1', fromAccountId: 'a', toAccountId: 'b', amount: 40, currency: 'EUR' },
});

describe('transfer view', () => {
  it('starts as requested', () => {
    expect(fold([requested])).toMatchObject({
      transferId: 't1',
      fromAccountId: 'a',
      toAccountId: 'b',
      amount: 40,
      status: 'requested',
      version: 1,
    });
  });

  it('stamps each step of a completed transfer', () => {
    const view = fold([
      requested,
      envelope(2, { type: T.SourceDebited, data: {} }, 1),
      envelope(3, { type: T.Completed, data: {} }, 2),
    ]);
    expect(view).toMatchObject({
      status: 'completed',
      version: 3,
      debitedAt: new Date('2026-11-28T08:01:00Z'),
      completedAt: new Date('2026-11-28T08:02:00Z'),
      failedAt: null,
    });
  });

  it('keeps why a transfer failed and whether it was refunded', () => {
    const view = fold([
      requested,
      envelope(2, { type: T.SourceDebited, data: {} }, 1),
      envelope(3, { type: T.Failed, data: { reason: 'account-closed', refunded: true } }, 2),
    ]);
    expect(view).toMatchObject({ status: 'failed', reason: 'account-closed', refunded: true, version: 3 });
  });

  it('ignores steps of a transfer it never saw requested', () => {
    expect(fold([envelope(2, { type: T.Completed, data: {} })])).toBeUndefined();
  });
});
