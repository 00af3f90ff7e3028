import {
  type CanActivate,
  type ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ProblemException } from '../problem';
import { isAdmin, type Principal } from './principal';
import { TokenVerifier } from './token-verifier';

const PUBLIC = 'tally:auth:public';
const REQUIRED_SCOPE = 'tally:auth:scope';

/** Routes anyone may call without a token: health probes and metrics. */
export const Public = () => SetMetadata(PUBLIC, true);

/** The scope a route needs (`tally:admin` satisfies any). */
export const RequireScope = (scope: string) => SetMetadata(REQUIRED_SCOPE, scope);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

const BEARER = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/;
const VERIFIED = Symbol('tally:auth:verified');
type VerifyingRequest = FastifyRequest & { [VERIFIED]?: Promise<Principal | undefined> };

/**
 * The request's verified principal, or undefined for a missing, malformed, forged or expired token.
 * Verified once per request: the rate limiter (which keys on the verified subject, so that a forged
 * token cannot spend someone else's budget) and the guard share the result.
 */
export function verifiedPrincipalOf(
  request: FastifyRequest,
  verifier: TokenVerifier,
): Promise<Principal | undefined> {
  const cached = request as VerifyingRequest;
  cached[VERIFIED] ??= (async () => {
    const match = BEARER.exec(request.headers.authorization ?? '');
    return match ? verifier.verify(match[1]).catch(() => undefined) : undefined;
  })();
  return cached[VERIFIED];
}

/** The verified caller of the current request (set by BearerAuthGuard). */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new Error('No principal: is the route @Public() or the guard missing?');
  return principal;
});

const unauthorized = (detail: string) =>
  new ProblemException(
    401,
    'unauthorized',
    'Unauthorized',
    detail,
    {},
    { 'www-authenticate': 'Bearer error="invalid_token"' },
  );

/**
 * Every route requires a valid bearer token unless marked @Public(); a route marked @RequireScope
 * also needs that scope. Missing, malformed, expired or forged tokens are 401; a valid token
 * without the scope is 403.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(TokenVerifier) private readonly verifier: TokenVerifier,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC, targets)) return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!BEARER.test(request.headers.authorization ?? ''))
      throw unauthorized('A bearer token is required (Authorization: Bearer <token>).');
    const principal = await verifiedPrincipalOf(request, this.verifier);
    if (!principal) throw unauthorized('The bearer token is invalid or expired.');
    request.principal = principal;
    const scope = this.reflector.getAllAndOverride<string | undefined>(REQUIRED_SCOPE, targets);
    if (scope && !request.principal.scopes.has(scope) && !isAdmin(request.principal)) {
      throw new ProblemException(
        403,
        'insufficient-scope',
        'Forbidden',
        `This route needs the scope ${scope}.`,
      );
    }
    return true;
  }
}

/** The principal BearerAuthGuard verified for this request; undefined on @Public routes. */
export const principalOf = (request: FastifyRequest): Principal | undefined =>
  (request as AuthenticatedRequest).principal;
