import createClient, { type Client } from 'openapi-fetch';
import type {
  components as WriteComponents,
  paths as WritePaths,
  operations as WriteOperations,
} from './generated/command-service';
import type {
  components as ReadComponents,
  paths as ReadPaths,
  operations as ReadOperations,
} from './generated/query-service';
import { retryingFetch, type RetryPolicy } from './retrying-fetch';
import { TallyProblemError, asProblem } from './tally-problem';

type WriteSchemas = WriteComponents['schemas'];
type ReadSchemas = ReadComponents['schemas'];
type QueryOf<O> = O extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type OpenAccountBody = WriteSchemas['OpenAccountBody'];
export type OpenedAccount = WriteSchemas['OpenedAccount'];
export type DepositMoneyBody = WriteSchemas['DepositMoneyBody'];
export type MoneyAmountBody = WriteSchemas['MoneyAmountBody'];
export type AdjustBalanceBody = WriteSchemas['AdjustBalanceBody'];
export type AccountWritten = WriteSchemas['AccountWritten'];
export type RequestTransferBody = WriteSchemas['RequestTransferBody'];
export type TransferAccepted = WriteSchemas['TransferAccepted'];
export type AccountHistory = WriteSchemas['AccountHistory'];
export type AccountHistoryQuery = QueryOf<WriteOperations['getAccountEvents']>;
export type AccountSummary = ReadSchemas['AccountSummaryView'];
export type AccountPage = ReadSchemas['AccountPage'];
export type AccountListQuery = QueryOf<ReadOperations['listAccounts']>;
export type LedgerPage = ReadSchemas['LedgerPage'];
export type LedgerQuery = QueryOf<ReadOperations['getAccountLedger']>;
export type BalanceAt = ReadSchemas['BalanceView'];
export type BalanceQuery = QueryOf<ReadOperations['getAccountBalance']>;
export type TransferView = ReadSchemas['TransferView'];
export type OwnerPortfolio = ReadSchemas['PortfolioView'];

export interface TallyClientOptions {
  /** The write API (command service), e.g. http://127.0.0.1:3001. */
  commandUrl: string;
  /** The read API (query service), e.g. http://127.0.0.1:3002. */
  queryUrl: string;
  /** The bearer token, or a function that gives the current one (called per request). */
  token?: string | (() => string | Promise<string>);
  /** Its own retries (network errors, 503/429 with Retry-After); `{ retries: 0 }` turns them off. */
  retry?: RetryPolicy;
  /** A fetch of your own (tests, proxies); globalThis.fetch by default. */
  fetch?: (request: Request) => Promise<Response>;
  /** Makes each write's Idempotency-Key; crypto.randomUUID() by default. */
  newIdempotencyKey?: () => string;
}

export interface WriteOptions {
  /** The key to send (a retry of yours after an error); a fresh one otherwise. */
  idempotencyKey?: string;
  /** Write only if the account is still at this version (its ETag), else 409 version-conflict. */
  ifMatch?: number;
  /** Your id for the request, stored in the metadata of every event it causes. */
  correlationId?: string;
}

export interface ReadOptions {
  /** Wait until the replica has applied the write that gave this token (read-your-writes). */
  consistencyToken?: string;
  /** How long the replica may wait for it (the service's default 2 s, at most 10 s). */
  consistencyTimeoutMs?: number;
}

interface Apis {
  write: Client<WritePaths>;
  read: Client<ReadPaths>;
  newIdempotencyKey: () => string;
}

/** openapi-fetch's answer: data on success, else the parsed error body and the response. */
type Answer<T> = { data?: T; error?: unknown; response: Response };

/** The write's `consistencyToken`, the last one a session saw. */
interface SessionState {
  consistencyToken?: string;
}

/**
 * Tally's write and read APIs, typed from their committed OpenAPI documents, with the habits a client
 * needs built in: every write carries an Idempotency-Key (a fresh one unless you give one) that its
 * own retries reuse; only safe requests are retried (see retryingFetch); an error answer is thrown as
 * a TallyProblemError with the problem's `code`, `status` and fields. `session()` gives a client that
 * reads its own writes.
 */
export class TallyClient {
  private constructor(
    private readonly apis: Apis,
    private readonly session_?: SessionState,
  ) {}

  static create(options: TallyClientOptions): TallyClient {
    const fetch = retryingFetch(options.fetch ?? ((request) => globalThis.fetch(request)), options.retry);
    const auth = async (request: Request) => {
      const token = typeof options.token === 'function' ? await options.token() : options.token;
      if (token !== undefined && !request.headers.has('authorization'))
        request.headers.set('authorization', `Bearer ${token}`);
      return fetch(request);
    };
    return new TallyClient({
      write: createClient<WritePaths>({ baseUrl: options.commandUrl, fetch: auth }),
      read: createClient<ReadPaths>({ baseUrl: options.queryUrl, fetch: auth }),
      newIdempotencyKey: options.newIdempotencyKey ?? (() => globalThis.crypto.randomUUID()),
    });
  }

  /**
   * A client whose reads wait for its last write (read-your-writes): each write's consistencyToken is
   * sent as X-Consistency-Token on the reads after it. Sessions share nothing with one another.
   */
  session(): TallyClient {
    return new TallyClient(this.apis, {});
  }

  /** The consistencyToken of this session's last write (undefined outside a session, or before one). */
  get consistencyToken(): string | undefined {
    return this.session_?.consistencyToken;
  }

  openAccount(body: OpenAccountBody, options?: WriteOptions): Promise<OpenedAccount> {
    return this.write(options, (headers) => this.apis.write.POST('/accounts', { body, headers }));
  }

  depositMoney(accountId: string, body: DepositMoneyBody, options?: WriteOptions): Promise<AccountWritten> {
    return this.write(options, (headers) =>
      this.apis.write.POST('/accounts/{id}/deposits', { params: { path: { id: accountId } }, body, headers }),
    );
  }

  withdrawMoney(accountId: string, body: MoneyAmountBody, options?: WriteOptions): Promise<AccountWritten> {
    return this.write(options, (headers) =>
      this.apis.write.POST('/accounts/{id}/withdrawals', {
        params: { path: { id: accountId } },
        body,
        headers,
      }),
    );
  }

  closeAccount(accountId: string, options?: WriteOptions): Promise<AccountWritten> {
    return this.write(options, (headers) =>
      this.apis.write.POST('/accounts/{id}/close', {
        params: { path: { id: accountId } },
        headers,
      }),
    );
  }

  /** An operator's correction (needs tally:admin): a signed amount and the reason. */
  adjustBalance(accountId: string, body: AdjustBalanceBody, options?: WriteOptions): Promise<AccountWritten> {
    return this.write(options, (headers) =>
      this.apis.write.POST('/accounts/{id}/adjustments', {
        params: { path: { id: accountId } },
        body,
        headers,
      }),
    );
  }

  requestTransfer(body: RequestTransferBody, options?: WriteOptions): Promise<TransferAccepted> {
    return this.write(options, (headers) => this.apis.write.POST('/transfers', { body, headers }));
  }

  /** The account's events with their metadata (the write side's audit trail). */
  getAccountEvents(accountId: string, query?: AccountHistoryQuery): Promise<AccountHistory> {
    return this.read({}, (headers) =>
      this.apis.write.GET('/accounts/{id}/events', { params: { path: { id: accountId }, query }, headers }),
    );
  }

  listAccounts(query?: AccountListQuery, options?: ReadOptions): Promise<AccountPage> {
    return this.read(options, (headers) => this.apis.read.GET('/accounts', { params: { query }, headers }));
  }

  getAccount(accountId: string, options?: ReadOptions): Promise<AccountSummary> {
    return this.read(options, (headers) =>
      this.apis.read.GET('/accounts/{id}', { params: { path: { id: accountId } }, headers }),
    );
  }

  getAccountLedger(accountId: string, query?: LedgerQuery, options?: ReadOptions): Promise<LedgerPage> {
    return this.read(options, (headers) =>
      this.apis.read.GET('/accounts/{id}/ledger', { params: { path: { id: accountId }, query }, headers }),
    );
  }

  getAccountBalance(accountId: string, query?: BalanceQuery, options?: ReadOptions): Promise<BalanceAt> {
    return this.read(options, (headers) =>
      this.apis.read.GET('/accounts/{id}/balance', { params: { path: { id: accountId }, query }, headers }),
    );
  }

  getTransfer(transferId: string, options?: ReadOptions): Promise<TransferView> {
    return this.read(options, (headers) =>
      this.apis.read.GET('/transfers/{id}', { params: { path: { id: transferId } }, headers }),
    );
  }

  getOwnerPortfolio(ownerId: string, options?: ReadOptions): Promise<OwnerPortfolio> {
    return this.read(options, (headers) =>
      this.apis.read.GET('/owners/{ownerId}/portfolio', { params: { path: { ownerId } }, headers }),
    );
  }

  private async write<T extends { consistencyToken?: string }>(
    options: WriteOptions = {},
    send: (headers: Record<string, string>) => Promise<Answer<T>>,
  ): Promise<T> {
    const idempotencyKey = options.idempotencyKey ?? this.apis.newIdempotencyKey();
    const headers: Record<string, string> = { 'Idempotency-Key': idempotencyKey };
    if (options.ifMatch !== undefined) headers['If-Match'] = `"${options.ifMatch}"`;
    if (options.correlationId !== undefined) headers['x-correlation-id'] = options.correlationId;
    const data = await unwrap(await send(headers), idempotencyKey);
    if (this.session_ && data.consistencyToken) this.session_.consistencyToken = data.consistencyToken;
    return data;
  }

  private async read<T>(
    options: ReadOptions = {},
    send: (headers: Record<string, string>) => Promise<Answer<T>>,
  ): Promise<T> {
    const headers: Record<string, string> = {};
    const token = options.consistencyToken ?? this.session_?.consistencyToken;
    if (token !== undefined) headers['X-Consistency-Token'] = token;
    if (options.consistencyTimeoutMs !== undefined)
      headers['X-Consistency-Timeout-Ms'] = String(options.consistencyTimeoutMs);
    return unwrap(await send(headers));
  }
}

async function unwrap<T>({ data, error, response }: Answer<T>, idempotencyKey?: string): Promise<T> {
  if (response.ok && data !== undefined) return data;
  const retryAfter = Number(response.headers.get('retry-after'));
  throw new TallyProblemError(
    asProblem(error, response),
    idempotencyKey,
    Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
  );
}

/** A client of Tally's write and read APIs: see TallyClient. */
export const createTallyClient = (options: TallyClientOptions): TallyClient => TallyClient.create(options);
