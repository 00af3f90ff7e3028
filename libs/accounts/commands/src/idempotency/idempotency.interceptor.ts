import {
  Inject,
  applyDecorators,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  Injectable,
  type NestInterceptor,
  UseInterceptors,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { ApiHeader } from '@nestjs/swagger';
import { TransactionScope } from '@tally/event-store';
import { ProblemException, principalOf } from '@tally/http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { CommitOutcomeUnknownError } from '@tally/database';
import { COMMANDS_OPTIONS, type CommandsOptions } from '../commands-options';
import { CommandPipeline, NotWrittenError } from '../pipeline/command-pipeline';
import { STILL_UNKNOWN, askUntil } from '../pipeline/unknown-outcome';
import { IdempotencyKeys, type StoredResponse } from './idempotency-keys';
import { requestHashOf } from './request-hash';

const acceptableKey = /^[\x21-\x7e]{1,255}$/;
/** Response headers that are part of the outcome and must be replayed with it. */
const replayedHeaders = ['location', 'etag'];

/** The stream a route writes to, named by its request (e.g. the account in the path). */
export type StreamOfRequest = (request: FastifyRequest) => string;
const STREAM_OF_REQUEST = Symbol('idempotent-stream');

/**
 * `Idempotency-Key`: the request runs in one transaction that first claims the key, then appends
 * the events, then stores the response; a retry with the same key and body gets that response and
 * appends nothing, even after a restart. A refused request (4xx) or a failure rolls everything back,
 * the key included, so a retry is decided afresh: only acknowledged writes are remembered.
 *
 * On a route that writes to a known stream, the request first takes that stream's turn in the
 * command pipeline and only then opens its transaction. It is not batched with other commands: its
 * key and response must commit with its own events, and a shared append would tie its rollback to
 * theirs. Waiting in the stream's queue like any command keeps the order of writes, lets the stream's
 * cached state stay exact (what the transaction wrote becomes the state once it commits), and holds
 * no database connection while it waits, so a queue of idempotent requests cannot starve the pool
 * that the batches ahead of them need.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  constructor(
    private readonly keys: IdempotencyKeys,
    private readonly transaction: TransactionScope,
    private readonly reflector: Reflector,
    private readonly pipeline: CommandPipeline,
    @Inject(COMMANDS_OPTIONS) private readonly options: Pick<CommandsOptions, 'streams'>,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const reply = context.switchToHttp().getResponse<FastifyReply>();
    const key = request.headers['idempotency-key'];
    if (key === undefined) return next.handle();
    if (typeof key !== 'string' || !acceptableKey.test(key))
      throw new ProblemException(
        400,
        'invalid-idempotency-key',
        'Invalid Idempotency-Key header',
        'An Idempotency-Key is 1 to 255 visible ASCII characters, e.g. a UUID.',
      );
    // Keys are per caller too: another client sending the same key gets its own outcome, never ours.
    const caller = principalOf(request)?.subject;
    const scope = `${request.method} ${canonicalPathOf(request)}${caller === undefined ? '' : ` as ${caller}`}`;
    const requestHash = requestHashOf(request.body);
    const status = this.reflector.get<number>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;

    const streamOf = this.reflector.get<StreamOfRequest | undefined>(STREAM_OF_REQUEST, context.getHandler());
    const inTransaction = () =>
      this.transaction.run(async () => {
        const claim = await this.keys.claim(scope, key, requestHash);
        if (claim.outcome === 'replay')
          return replay(reply, claim.response, claim.requestHash === requestHash);
        // handle() is called inside the transaction's async context, so the handler writes on it.
        const body = await lastValueFrom(next.handle());
        const headers = Object.fromEntries(
          replayedHeaders.flatMap((name) =>
            reply.hasHeader(name) ? [[name, String(reply.getHeader(name))]] : [],
          ),
        );
        await this.keys.complete(scope, key, { status, headers, body });
        return body;
      });
    const deadline = Date.now() + this.options.streams.deadlineMs;
    const attempt = streamOf ? this.pipeline.inTurn(streamOf(request), inTransaction) : inTransaction();
    return from(
      attempt.catch((error: unknown) => {
        if (!(error instanceof CommitOutcomeUnknownError)) throw error;
        return this.afterLostCommit(error, { scope, key, requestHash, reply, deadline });
      }),
    );
  }

  /**
   * The transaction's COMMIT was sent and its answer lost. The key, the events and the response
   * commit together, so once the lost session has ended the key says what happened: its stored
   * response is the answer (the request was applied), no response means nothing was written (503,
   * safe to retry). Only if that cannot be read before the deadline is the outcome unknown.
   */
  private async afterLostCommit(
    lost: CommitOutcomeUnknownError,
    request: { scope: string; key: string; requestHash: string; reply: FastifyReply; deadline: number },
  ): Promise<unknown> {
    const { scope, key, requestHash, reply, deadline } = request;
    const stored = await askUntil(
      () => this.keys.storedAfterLostCommit(scope, key, requestHash, lost.backendPid),
      deadline,
    );
    if (stored === STILL_UNKNOWN) throw lost; // answered 503 outcome-unknown
    if (stored === undefined) throw new NotWrittenError(scope);
    for (const [name, value] of Object.entries(stored.headers)) void reply.header(name, value);
    return stored.body;
  }
}

/**
 * The request's path as its route spells it, with each path parameter in its canonical (lower-case)
 * form: `/accounts/ABC…/deposits` and `/accounts/abc…/deposits` name the same stream, so they must
 * share one key scope (the raw URL split them, and a retry in the other spelling applied twice).
 * For a request already in canonical form this is its URL path, so keys stored before stay valid.
 */
const canonicalPathOf = (request: FastifyRequest): string => {
  const params = (request.params ?? {}) as Record<string, unknown>;
  const route = request.routeOptions.url ?? request.url.split('?')[0];
  return route.replace(/:(\w+)/g, (_, name: string) => String(params[name]).toLowerCase());
};

function replay(reply: FastifyReply, response: StoredResponse, sameRequest: boolean): unknown {
  if (!sameRequest)
    throw new ProblemException(
      422,
      'idempotency-key-reused',
      'Idempotency key reused',
      'This Idempotency-Key was already used with a different request body on this route.',
    );
  for (const [name, value] of Object.entries(response.headers)) void reply.header(name, value);
  void reply.header('idempotent-replayed', 'true');
  return response.body;
}

/**
 * Marks a write route as accepting `Idempotency-Key` (and documents the header). `streamOf` names
 * the one existing stream the route writes to, if any, so that keyed requests queue for it.
 */
export const Idempotent = (streamOf?: StreamOfRequest) =>
  applyDecorators(
    SetMetadata(STREAM_OF_REQUEST, streamOf),
    UseInterceptors(IdempotencyInterceptor),
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Makes a retry safe: the same key and body within 24 h returns the first response and changes nothing; ' +
        'the same key with another body is refused (422 idempotency-key-reused). Scoped to the route and account.',
    }),
  );
