import { accountDecider, type AccountState } from '@tally/accounts-domain';
import { decideTurn } from './decide-turn';
import { VersionConflictError } from './pipeline-errors';

const open: AccountState = { status: 'open', ownerId: 'o', currency: 'EUR', balance: 50 };

describe('decideTurn', () => {
  it('decides each command on the state the previous ones left, and skips a refused one', () => {
    const turn = decideTurn(accountDecider, { state: open, version: 4 }, [
      { command: { type: 'WithdrawMoney', amount: 30 }, context: {} },
      { command: { type: 'WithdrawMoney', amount: 30 }, context: {} },
      { command: { type: 'DepositMoney', amount: 5 }, context: {} },
    ]);
    expect(
      turn.outcomes.map((o) => (o.kind === 'decided' ? o.version : (o.error as { code: string }).code)),
    ).toEqual([5, 'insufficient-funds', 6]);
    expect(turn.events.map((e) => e.data)).toEqual([{ amount: 30 }, { amount: 5, source: 'api' }]);
    expect(turn).toMatchObject({ version: 6, state: { balance: 25 } });
  });

  it('checks If-Match against the version that command sees, after authorisation', () => {
    const denied = new Error('not yours');
    const turn = decideTurn(accountDecider, { state: open, version: 4 }, [
      { command: { type: 'DepositMoney', amount: 1 }, context: { expectedVersion: 4 } },
      { command: { type: 'DepositMoney', amount: 1 }, context: { expectedVersion: 4 } },
      { command: { type: 'DepositMoney', amount: 1 }, context: { expectedVersion: 5 } },
      {
        command: { type: 'DepositMoney', amount: 1 },
        context: {
          expectedVersion: 1,
          authorize: () => {
            throw denied;
          },
        },
      },
    ]);
    expect(turn.outcomes[0]).toMatchObject({ kind: 'decided', version: 5 });
    expect(turn.outcomes[1]).toEqual({ kind: 'refused', error: new VersionConflictError(4, 5) });
    expect(turn.outcomes[2]).toMatchObject({ kind: 'decided', version: 6 });
    expect(turn.outcomes[3]).toEqual({ kind: 'refused', error: denied });
    expect(turn.version).toBe(6);
  });

  it('decides nothing for a step already done, answering the current version', () => {
    const turn = decideTurn(accountDecider, { state: open, version: 9 }, [
      { command: { type: 'WithdrawMoney', amount: 1_000 }, context: {}, alreadyDone: true },
    ]);
    expect(turn).toMatchObject({ events: [], version: 9, outcomes: [{ kind: 'decided', version: 9 }] });
  });
});
