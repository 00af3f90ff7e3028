export * from './principal';
export * from './auth-config';
export * from './token-verifier';
export * from './local-token';
export * from './bearer-auth.guard';
export * from './auth.module';
