import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { AuthConfig } from './auth-config';
import { BearerAuthGuard } from './bearer-auth.guard';
import { TokenVerifier } from './token-verifier';

/** Makes a bearer token mandatory on every route of the app that imports it (see @Public). */
@Module({})
export class AuthModule {
  static forRoot(config: AuthConfig): DynamicModule {
    return {
      module: AuthModule,
      providers: [
        { provide: TokenVerifier, useValue: new TokenVerifier(config) },
        { provide: APP_GUARD, useClass: BearerAuthGuard },
      ],
      exports: [TokenVerifier],
    };
  }
}
