import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { TokenVerifier } from '#auth';
import { loadOperationsSettings, type OperationsSettings } from '#config';
import { createServiceApp, processMetrics, type DependencyCheck, type Lifecycle, type ServiceMetrics } from '#observability';

export interface ProjectorAppOptions {
  verifier: TokenVerifier;
  /** The query API, and whatever else this service serves (finance). */
  modules: DynamicModule[];
  /** Rate limits, CORS, metrics token, health timeout; those of an empty environment when absent. */
  operations?: OperationsSettings;
  /** What `/health/ready` waits for (the event store, the read-model database). */
  readinessChecks?: Record<string, DependencyCheck>;
  metrics?: ServiceMetrics;
  lifecycle?: Lifecycle;
  logger?: false | Array<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>;
  /** Swagger UI at /docs (off under Jest, which cannot load its ESM asset server); /docs-json always. */
  swaggerUi?: boolean;
}

/**
 * The projector service's HTTP side: the read-only query and finance APIs behind the same edge as the
 * command API (authentication, rate limits, headers, request log, health, metrics).
 */
export async function createProjectorApp(options: ProjectorAppOptions): Promise<NestFastifyApplication> {
  return createServiceApp({
    service: 'projector',
    title: 'Gesture Ledger read models',
    description: 'Budgets, approval queues, customer 360 and the finance journal as the projector keeps them; its lag.',
    verifier: options.verifier,
    modules: options.modules,
    // Queries have no bodies; a small limit keeps anyone from streaming megabytes at a read-only service.
    bodyLimitBytes: 16 * 1024,
    operations: options.operations ?? loadOperationsSettings(),
    readinessChecks: options.readinessChecks ?? {},
    metrics: options.metrics ?? processMetrics(),
    lifecycle: options.lifecycle,
    logger: options.logger,
    swaggerUi: options.swaggerUi,
  });
}
