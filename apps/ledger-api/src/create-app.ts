import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import type { TokenVerifier } from '#auth';
import { loadOperationsSettings, type OperationsSettings } from '#config';
import { createServiceApp, processMetrics, type DependencyCheck, type Lifecycle, type ServiceMetrics } from '#observability';
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

/** The command API: the shared service edge (see `createServiceApp`) around the ledger's routes. */
export async function createLedgerApp(options: LedgerAppOptions): Promise<NestFastifyApplication> {
  const ledger = options.ledger;
  return createServiceApp({
    service: 'ledger-api',
    title: 'Gesture Ledger',
    description: 'Discretionary gestures by frontline staff, within budgets, with escalation; loyalty; policy.',
    verifier: options.verifier,
    modules: [LedgerApiModule.forRoot(options), ...(options.modules ?? [])],
    bodyLimitBytes: options.bodyLimitBytes,
    operations: options.operations ?? loadOperationsSettings(),
    readinessChecks: {
      eventStore: () => ledger.store.headPosition(),
      policy: async () => {
        // Read again while none is known: a replica not ready keeps no traffic that would make it look.
        if (!ledger.policies.published) await ledger.policies.load();
        if (!ledger.policies.published) throw new Error('no policy published');
      },
      ...options.readinessChecks,
    },
    metrics: options.metrics ?? processMetrics(),
    lifecycle: options.lifecycle,
    log: options.log,
    logger: options.logger,
    swaggerUi: options.swaggerUi,
  });
}
