import { randomUUID } from 'node:crypto';
import { decodeEvent, encodeEvent } from '@tally/contracts';
import { EventStreams } from '@tally/testing';
import { checkAccountRows, foldAccount } from './account-check';

/** An account with a deposit, a withdrawal and an incoming transfer, decoded as the read side sees it. */
function history() {
  const streams = new EventStreams();
  const accountId = randomUUID();
  const other = randomUUID();
  streams.open('alice', 'EUR', accountId);
  streams.open('bob', 'EUR', other);
  streams.deposit(accountId, 500);
  streams.withdraw(accountId, 120);
  streams.deposit(other, 1_000);
  streams.transfer(other, accountId, 300);
  return { accountId, events: streams.events.map((event) => decodeEvent(encodeEvent(event))) };
}

describe('foldAccount', () => {
  it("folds one account's stream with the projections' functions, other streams left out", () => {
    const { accountId, events } = history();
    const fold = foldAccount(events.filter((event) => event.streamId === `account-${accountId}`));
    expect(fold.version).toBe(4);
    expect(fold.summary).toMatchObject({
      accountId,
      ownerId: 'alice',
      balance: 680,
      entryCount: 3,
      version: 4,
    });
    expect(fold.ledger.map(({ kind, amount, balanceAfter }) => [kind, amount, balanceAfter])).toEqual([
      ['deposit', 500, 500],
      ['withdrawal', -120, 380],
      ['transfer-credit', 300, 680],
    ]);
  });

  it('stops at a version, and takes a repeated version once', () => {
    const { accountId, events } = history();
    const own = events.filter((event) => event.streamId === `account-${accountId}`);
    const fold = foldAccount([...own, own[1]], 2);
    expect(fold.version).toBe(2);
    expect(fold.summary?.balance).toBe(500);
    expect(fold.ledger).toHaveLength(1);
  });
});

describe('checkAccountRows', () => {
  const stored = () => {
    const { accountId, events } = history();
    const fold = foldAccount(events.filter((event) => event.streamId === `account-${accountId}`));
    // Rows as read back from the tables: copies, not the fold's own objects.
    return { fold, rows: structuredClone({ summary: fold.summary!, ledger: fold.ledger }) };
  };

  it('finds nothing to report when the rows are the fold', () => {
    const { fold, rows } = stored();
    expect(checkAccountRows(fold, rows)).toEqual({ matches: true, version: 4, differences: [] });
  });

  it('names every field that differs, and missing or extra rows', () => {
    const { fold, rows } = stored();
    rows.summary.balance = 700;
    const [, withdrawal, credit] = rows.ledger;
    rows.ledger = [{ ...rows.ledger[0], amount: 501 }, credit, { ...withdrawal, version: 9 }];
    const check = checkAccountRows(fold, rows);
    expect(check.matches).toBe(false);
    const id = fold.summary!.accountId;
    expect(check.differences).toEqual([
      { table: 'accounts', row: id, field: 'balance', expected: 680, actual: 700 },
      { table: 'ledger_entries', row: `${id}@2`, field: 'amount', expected: 500, actual: 501 },
      { table: 'ledger_entries', row: `${id}@3`, field: '(row)', expected: 'present', actual: 'absent' },
      { table: 'ledger_entries', row: `${id}@9`, field: '(row)', expected: 'absent', actual: 'present' },
    ]);
  });

  it('reports a summary row that should exist and does not', () => {
    const { fold } = stored();
    const check = checkAccountRows(fold, { summary: undefined, ledger: fold.ledger });
    expect(check.differences).toEqual([
      {
        table: 'accounts',
        row: fold.summary!.accountId,
        field: '(row)',
        expected: 'present',
        actual: 'absent',
      },
    ]);
  });
});
