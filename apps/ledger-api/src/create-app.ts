import { Module, type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import type { TokenVerifier } from '#auth';
import { loadOperationsSettings, type OperationsSettings } from '#config';
import { createServiceAdapter, HttpEdgeModule, protectEdge, RateLimitModule, validationPipe } from '#http';
import { closeConnectionsWhenDraining, createLogger, HealthModule, Lifecycle, logRequests, MetricsModule, nestLogger, processMetrics, type DependencyCheck, type ServiceMetrics } from '#observability';
import { LedgerApiModule, type LedgerApiDependencies } from './ledger-api.module.js';

export interface LedgerAppOptions extends LedgerApiDependencies {
  verifier: TokenVerifier;
  bodyLimitBytes: number;
  /** More APIs served by the same process (the all-in-one main adds the query API). */
  modules?: DynamicModule[];
  logger?: false | Array<'log' | 'error' | 'warn' | 'debug' | 'verbose' | 'fatal'>;
  /**
   * Swagger UI at /docs (the JSON at /docs-json is always served). Off under Jest, whose CommonJS
   * loader cannot load the ESM dependency of @fastify/static that serves the UI's assets.
   */
  swaggerUi?: boolean;
  /** Rate limits, CORS, metrics token, health timeout; those of an empty environment when absent. */
  operations?: OperationsSettings;
  /** Where request lines and NestJS's logs go; silent when `logger` is false. */
  log?: Logger;
  metrics?: ServiceMetrics;
  /** Readiness turns 503 once this starts draining. */
  lifecycle?: Lifecycle;
  /** More dependencies readiness waits for (the read-model database, Kafka), beside the event store and the policy. */
  readinessChecks?: Record<string, DependencyCheck>;
}

/**
 * Builds the command API on Fastify: authentication then per-client rate limiting on every route,
 * validation, the body limit (413), security headers, CORS when configured, one log line per request,
 * `/health/live`, `/health/ready`, `/metrics` and the OpenAPI document.
 */
export async function createLedgerApp(options: LedgerAppOptions): Promise<NestFastifyApplication> {
  const operations = options.operations ?? loadOperationsSettings();
  const log = options.log ?? createLogger({ service: 'ledger-api', level: options.logger === false ? 'silent' : operations.logLevel });
  const ledger = options.ledger;
  const lifecycle = options.lifecycle ?? new Lifecycle();
  const health = HealthModule.forRoot({
    checks: {
      eventStore: () => ledger.store.headPosition(),
      policy: async () => {
        if (!ledger.policies.published) throw new Error('no policy published');
      },
      ...options.readinessChecks,
    },
    timeoutMs: operations.healthCheckTimeoutMs,
    lifecycle,
  });
  const metrics = MetricsModule.forRoot({ registry: (options.metrics ?? processMetrics()).registry, token: operations.metricsToken });
  // AuthGuard is registered before the rate limit's guard, so requests are counted by their subject.
  @Module({ imports: [HttpEdgeModule.forRoot(options.verifier), RateLimitModule.forRoot(operations.rateLimit), LedgerApiModule.forRoot(options), health, metrics, ...(options.modules ?? [])] })
  class LedgerAppModule {}
  const adapter = createServiceAdapter({ bodyLimitBytes: options.bodyLimitBytes, trustProxy: operations.trustProxy });
  const app = await NestFactory.create<NestFastifyApplication>(LedgerAppModule, adapter, { logger: options.logger === false ? false : nestLogger(log), abortOnError: false });
  const fastify = app.getHttpAdapter().getInstance();
  logRequests(fastify as never, log);
  closeConnectionsWhenDraining(fastify as never, lifecycle);
  await protectEdge(app, { corsOrigins: operations.corsOrigins });
  app.useGlobalPipes(validationPipe);
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Gesture Ledger')
      .setDescription('Discretionary gestures by frontline staff, within budgets, with escalation; loyalty; policy.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json', ui: options.swaggerUi ?? true, raw: ['json'] });
  return app;
}
