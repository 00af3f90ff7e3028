import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { register } from 'prom-client';
import { Public } from './auth/bearer-auth.guard';

/** A dependency the service cannot serve without (PostgreSQL, Kafka). Throws when it is unreachable. */
export interface ReadinessCheck {
  name: string;
  check(): Promise<Record<string, unknown> | void>;
}

export const READINESS_CHECKS = Symbol('READINESS_CHECKS');

const CHECK_TIMEOUT_MS = 2_000;

/**
 * Liveness, readiness and Prometheus metrics, the same on every service. Public: probes and scrapers
 * carry no tokens, and nothing here reveals an account (keep /metrics off the public network anyway).
 */
@ApiExcludeController()
@Public()
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(READINESS_CHECKS) private readonly checks: ReadinessCheck[],
  ) {}

  /** Alive as long as the event loop answers; restarting would not fix a dependency outage. */
  @Get('health/live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('health/ready')
  @HealthCheck()
  ready() {
    return this.health.check(
      this.checks.map(
        ({ name, check }) =>
          () =>
            this.indicators.check(name).attempt(check).withTimeout(CHECK_TIMEOUT_MS),
      ),
    );
  }

  @Get('metrics')
  @Header('content-type', register.contentType)
  metrics(): Promise<string> {
    return register.metrics();
  }
}
