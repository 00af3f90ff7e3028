/** Example answers of the read routes, for the OpenAPI document (one account, one transfer). */
const accountId = '3f2c9a4e-0b7d-4c1e-9a55-2d8e6f1b7c10';

export const accountExample = {
  accountId,
  ownerId: 'alice',
  currency: 'EUR',
  balance: 300,
  status: 'open',
  version: 3,
  entryCount: 2,
  openedAt: '2026-11-30T09:00:00.000Z',
  updatedAt: '2026-11-30T09:10:00.250Z',
};

export const accountPageExample = { items: [accountExample], nextCursor: null };

export const ledgerPageExample = {
  accountId,
  currency: 'EUR',
  items: [
    {
      version: 2,
      kind: 'deposit',
      amount: 500,
      balanceAfter: 500,
      occurredAt: '2026-11-30T09:05:00.000Z',
      transferId: null,
      counterpartyAccountId: null,
      source: 'cash',
    },
    {
      version: 3,
      kind: 'transfer-debit',
      amount: -200,
      balanceAfter: 300,
      occurredAt: '2026-11-30T09:10:00.120Z',
      transferId: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
      counterpartyAccountId: '9b1e7d42-6c3a-4f8e-b0d5-1a2c3e4f5a6b',
      source: null,
    },
  ],
  nextCursor: null,
};

export const balanceExample = {
  accountId,
  currency: 'EUR',
  balance: 300,
  asOf: '2026-11-30T10:00:00.000Z',
  version: 3,
};

export const portfolioExample = {
  ownerId: 'alice',
  totals: [{ currency: 'EUR', balance: '300', accounts: 1, openAccounts: 1 }],
  accounts: [accountExample],
  moreAccounts: false,
};

export const transferExample = {
  transferId: '5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a',
  fromAccountId: accountId,
  toAccountId: '9b1e7d42-6c3a-4f8e-b0d5-1a2c3e4f5a6b',
  amount: 200,
  currency: 'EUR',
  status: 'completed',
  reason: null,
  refunded: null,
  version: 3,
  requestedAt: '2026-11-30T09:10:00.000Z',
  debitedAt: '2026-11-30T09:10:00.120Z',
  completedAt: '2026-11-30T09:10:00.250Z',
  failedAt: null,
  updatedAt: '2026-11-30T09:10:00.250Z',
};
