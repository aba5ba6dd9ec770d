import { Controller, Get, Inject, Module, ServiceUnavailableException, type DynamicModule } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TerminusModule } from '@nestjs/terminus';
import { Public, SkipRateLimit } from '#http';
import type { Lifecycle } from './lifecycle.js';

/** Answers when the dependency is usable; throws (or is aborted by `signal` on timeout) when not. */
export type DependencyCheck = (signal: AbortSignal) => Promise<unknown>;

export interface HealthOptions {
  /** What readiness needs, by name: the event store, the read-model database, Kafka, ... */
  checks: Record<string, DependencyCheck>;
  /** A check that takes longer counts as down. */
  timeoutMs: number;
  /** Once draining, readiness answers 503 so the load balancer stops sending traffic. */
  lifecycle: Lifecycle;
}

const HEALTH_OPTIONS = Symbol('HealthOptions');

/**
 * `/health/live`: the process is up and its event loop turns (restart it when this fails).
 * `/health/ready`: every dependency answers within the timeout and the service is not shutting down
 * (route traffic to it only then).
 */
@ApiTags('health')
@Public()
@SkipRateLimit()
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(HEALTH_OPTIONS) private readonly options: HealthOptions,
  ) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  ready() {
    if (this.options.lifecycle.draining) throw new ServiceUnavailableException({ status: 'shutting_down' });
    return this.health.check(
      Object.entries(this.options.checks).map(
        ([name, check]) =>
          () =>
            this.indicators
              .check(name)
              .attempt(async ({ signal }) => {
                await check(signal);
              })
              .withTimeout(this.options.timeoutMs),
      ),
    );
  }
}

@Module({})
export class HealthModule {
  static forRoot(options: HealthOptions): DynamicModule {
    return {
      module: HealthModule,
      imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
      controllers: [HealthController],
      providers: [{ provide: HEALTH_OPTIONS, useValue: options }],
    };
  }
}
