import type { DynamicModule } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger } from 'pino';
import { TokenVerifier } from '#auth';
import { openEventStore, type Settings } from '#config';
import { samplePolicy } from '#domain';
import type { EventStore } from '#event-store';
import { listeningUrl } from '#http';
import { EscalationExpiryScheduler, GestureLedger } from '#ledger';
import { createLogger, drainInOrder, exitOnSignal, ledgerMetrics, Lifecycle, processMetrics, type DependencyCheck, type ShutdownStep } from '#observability';
import { createLedgerApp } from './create-app.js';
import { frontlineActionsIn } from './kafka/frontline-actions.module.js';

export interface RunningLedgerApi {
  app: NestFastifyApplication;
  ledger: GestureLedger;
  store: EventStore;
  url: string;
  log: Logger;
  lifecycle: Lifecycle;
  /**
   * Drains in order: readiness turns 503, the HTTP server stops taking requests and answers those in
   * flight, escalation expiry stops, the store writes what is queued in its group commit and closes.
   * Runs once; resolves true when every step succeeded within SHUTDOWN_TIMEOUT_MS.
   */
  stop(): Promise<boolean>;
}

export interface LedgerApiStartOptions {
  expireEscalations: boolean;
  /** Drain and exit on SIGTERM/SIGINT (default true). The all-in-one main passes false and composes the stops. */
  exitOnSignal?: boolean;
  log?: Logger;
  /** More APIs served by this process, and the dependencies readiness then also waits for. */
  modules?: DynamicModule[];
  readinessChecks?: Record<string, DependencyCheck>;
  /** The event store to serve; opened from `settings` when absent. A store passed in is left open by `stop` (its owner closes it). */
  store?: EventStore;
}

/**
 * Opens the configured store, loads (or seeds) the policy, starts escalation expiry when this instance
 * is to run it, and serves the API with logs, metrics, health and protection from `settings.operations`.
 */
export async function startLedgerApi(settings: Settings, options: LedgerApiStartOptions): Promise<RunningLedgerApi> {
  const log = options.log ?? createLogger({ service: 'ledger-api', level: settings.operations.logLevel });
  const metrics = processMetrics();
  const lifecycle = new Lifecycle();
  const store = options.store ?? (await openEventStore(settings));
  const ledger = new GestureLedger(store, { observer: ledgerMetrics(metrics), stateCacheMb: settings.ledgerStateCacheMb });
  await ledger.start(settings.seedSamplePolicy ? samplePolicy() : undefined);
  const expiry = options.expireEscalations ? new EscalationExpiryScheduler(store, ledger, { log: (line) => log.warn(line) }) : undefined;
  // Waits for its snapshot only: catching up with the log after it is a background duty, and must not hold
  // the server (and so the startup probe) behind however much log was written since.
  await expiry?.start();
  const verifier = new TokenVerifier(settings.jwt);
  // Frontline actions over Kafka (hybrid app) when brokers are configured and KAFKA_CONSUME_ACTIONS is not false.
  const kafkaIn = settings.kafka.brokers.length > 0 && settings.kafka.consumeActions ? frontlineActionsIn({
          ledger,
          verifier,
          kafka: settings.kafka,
          valueBytesMax: settings.bodyLimitBytes,
          log: (line) => log.warn(line),
          onDeadLettered: (reason) => metrics.dlqMessages.inc({ topic: settings.kafka.topics.actionsDeadLetter, reason }),
          onConsumerCrash: (restartedBy) => metrics.consumerCrashes.inc({ consumer: 'frontline-actions', restarted_by: restartedBy }),
        }) : undefined;
  const modules = [...(options.modules ?? []), ...(kafkaIn ? [kafkaIn.module] : [])];
  const app = await createLedgerApp({
    ledger,
    verifier,
    bodyLimitBytes: settings.bodyLimitBytes,
    operations: settings.operations,
    log,
    metrics,
    lifecycle,
    ...(modules.length > 0 ? { modules } : {}),
    ...(options.readinessChecks ? { readinessChecks: options.readinessChecks } : {}),
  });
  await app.listen(settings.httpPort, settings.httpHost);
  // In the background: the API serves while the broker is away, and the consumer starts once it answers.
  const stopConnecting = new AbortController();
  void kafkaIn?.keepConnecting(app, stopConnecting.signal).catch((error: unknown) => log.error({ err: error }, 'frontline actions: gave up connecting'));
  const steps: ShutdownStep[] = [
    // Not waited for: an attempt in flight ends with the app (kafkajs retries a missing broker for a while).
    { name: 'kafka-connect', run: async () => stopConnecting.abort() },
    { name: 'http', run: () => app.close() },
    { name: 'escalation-expiry', run: async () => expiry?.stop() },
    ...(options.store ? [] : [{ name: 'event-store', run: () => store.close() }]),
  ];
  const stop = drainInOrder(steps, { lifecycle, logger: log, timeoutMs: settings.operations.shutdownTimeoutMs });
  if (options.exitOnSignal ?? true) exitOnSignal(stop, log);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : settings.httpPort;
  return { app, ledger, store, url: listeningUrl(settings.httpHost, port), log, lifecycle, stop };
}
