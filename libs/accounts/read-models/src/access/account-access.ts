import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { isAdmin, notFound, principalOf } from '@tally/http';
import type { FastifyRequest } from 'fastify';
import { In, type Repository } from 'typeorm';
import { AccountSummary } from '../account-summary/account-summary.entity';
import { visibleTo } from './visibility';

/** What a read about an account needs before it looks at its own table: whose it is, and its facts that never change. */
export type AccountFacts = Pick<AccountSummary, 'accountId' | 'ownerId' | 'currency' | 'openedAt'>;

/**
 * Who may see which account, for the slices that serve data about accounts they do not own (ledger,
 * transfers): they ask here and know nothing else of the account summary. Ownership is read from
 * the `accounts` table, where an account's owner and currency never change.
 */
@Injectable()
export class AccountAccess {
  constructor(@InjectRepository(AccountSummary) private readonly accounts: Repository<AccountSummary>) {}

  /**
   * The account, if the caller may see it. Someone else's account is answered exactly as a missing
   * one (404), so its existence is not revealed.
   */
  async visibleAccount(request: FastifyRequest, accountId: string): Promise<AccountFacts> {
    const account = await this.accounts.findOneBy({ accountId });
    if (!account || !visibleTo(request, account.ownerId)) throw notFound('Account', accountId);
    return account;
  }

  /** Whether the caller owns one of these accounts, or is admin: a transfer is visible to both sides. */
  async ownsAnyOf(request: FastifyRequest, accountIds: string[]): Promise<boolean> {
    const principal = principalOf(request);
    if (!principal || isAdmin(principal)) return true;
    return this.accounts.exists({ where: { accountId: In(accountIds), ownerId: principal.subject } });
  }
}
