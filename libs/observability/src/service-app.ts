import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { TokenVerifier } from '#auth';
import type { OperationsSettings } from '#config';
import { createServiceAdapter, HttpEdgeModule, protectEdge, RateLimitModule, validationPipe } from '#http';
import { HealthModule, type DependencyCheck } from './health.module.js';
import { closeConnectionsWhenDraining } from './http-draining.js';
import { Lifecycle } from './lifecycle.js';
import { createLogger, logRequests, nestLogger } from './logging.js';
import { MetricsModule } from './metrics.module.js';
import type { ServiceMetrics } from './metrics.js';

export interface ServiceAppOptions {
  /** The `service` field of every log line. */
  service: string;
  /** Title and description of the OpenAPI document. */
  title: string;
  description: string;
  verifier: TokenVerifier;
  /** The service's own APIs. */
  modules: DynamicModule[];
  /** Larger bodies are answered 413 before they are parsed. */
  bodyLimitBytes: number;
  operations: OperationsSettings;
  /** What `/health/ready` waits for. */
  readinessChecks: Record<string, DependencyCheck>;
  metrics: ServiceMetrics;
  /** Readiness turns 503 once this starts draining. */
  lifecycle?: Lifecycle;
  /** Where request lines and NestJS's logs go; silent when `logger` is false. */
  log?: Logger;
  logger?: false | Array<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>;
  /**
   * Swagger UI at /docs (the JSON at /docs-json is always served). Off under Jest, whose CommonJS
   * loader cannot load the ESM dependency of @fastify/static that serves the UI's assets.
   */
  swaggerUi?: boolean;
}

/**
 * Every HTTP service of the product is built here, so none of them ships with less at its edge:
 * authentication, then per-client rate limiting, on every route not marked public (failed
 * authentications are limited per address before any token is checked); validation; the body limit
 * (413); security headers; CORS when configured; one log line per request; readiness that turns 503
 * while draining; `/health/live`, `/health/ready`, `/metrics`; and the OpenAPI document.
 */
export async function createServiceApp(options: ServiceAppOptions): Promise<NestFastifyApplication> {
  const { operations } = options;
  const log = options.log ?? createLogger({ service: options.service, level: options.logger === false ? 'silent' : operations.logLevel });
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const health = HealthModule.forRoot({ checks: options.readinessChecks, timeoutMs: operations.healthCheckTimeoutMs, lifecycle });
  const metrics = MetricsModule.forRoot({ registry: options.metrics.registry, token: operations.metricsToken });
  // AuthGuard is registered before the rate limit's guard, so requests are counted by their subject.
  @Module({ imports: [HttpEdgeModule.forRoot(options.verifier), RateLimitModule.forRoot(operations.rateLimit), ...options.modules, health, metrics] })
  class ServiceAppModule {}
  const adapter = createServiceAdapter({ bodyLimitBytes: options.bodyLimitBytes, trustProxy: operations.trustProxy });
  // No Nest body parsers: they add a form parser, and a form's fields would reach a DTO as strings. Fastify's
  // own JSON parser (body limit, prototype-poisoning checks) takes JSON; any other body is a 415.
  const app = await NestFactory.create<NestFastifyApplication>(ServiceAppModule, adapter, { logger: options.logger === false ? false : nestLogger(log), abortOnError: false, bodyParser: false });
  const fastify = app.getHttpAdapter().getInstance();
  logRequests(fastify as never, log);
  closeConnectionsWhenDraining(fastify as never, lifecycle);
  await protectEdge(app, { corsOrigins: operations.corsOrigins });
  app.useGlobalPipes(validationPipe);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle(options.title)
      .setDescription(options.description)
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', ui: options.swaggerUi ?? true, raw: ['json'] });
  return app;
}
