import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { HealthModule, type DependencyCheck } from './health.module.js';
import type { Lifecycle } from './lifecycle.js';
import { nestLogger } from './logging.js';
import { MetricsModule } from './metrics.module.js';
import type { ServiceMetrics } from './metrics.js';

export interface OperationsServerOptions {
  host: string;
  port: number;
  checks: Record<string, DependencyCheck>;
  healthCheckTimeoutMs: number;
  lifecycle: Lifecycle;
  metrics: ServiceMetrics;
  metricsToken: string | null;
  log: Logger;
}

/**
 * `/health/live`, `/health/ready` and `/metrics` for a service that serves no API of its own (the CRM
 * relay), so the orchestrator can probe it and Prometheus scrape it like the others. Close it first on
 * shutdown (`app.close()`), after `lifecycle.startDraining()`.
 */
export async function startOperationsServer(options: OperationsServerOptions): Promise<NestFastifyApplication> {
  @Module({
    imports: [
      HealthModule.forRoot({ checks: options.checks, timeoutMs: options.healthCheckTimeoutMs, lifecycle: options.lifecycle }),
      MetricsModule.forRoot({ registry: options.metrics.registry, token: options.metricsToken }),
    ],
  })
  class OperationsModule {}
  const app = await NestFactory.create<NestFastifyApplication>(OperationsModule, new FastifyAdapter({ bodyLimit: 1024, requestTimeout: 10_000 }), { logger: nestLogger(options.log), abortOnError: false });
  await app.listen(options.port, options.host);
  return app;
}
