import 'reflect-metadata';
import { ConfigurationError, fitStateCaches, loadSettings } from '#config';
import { createLogger, drainInOrder, exitOnSignal, Lifecycle, processMetrics, startOperationsServer } from '#observability';
import { startCrmRelay } from './start-crm-relay.js';

/**
 * The CRM feed as its own service: one active instance per shard of the log (`CRM_RELAY_SHARD`, the
 * whole log by default); a second instance of the same shard stands by on its checkpoint's lease.
 * Health and metrics on OPERATIONS_PORT; SIGTERM finishes the batch in flight.
 */
async function main(): Promise<void> {
  const { settings, scaledDown } = fitStateCaches(loadSettings(), ['relay']);
  const log = createLogger({ service: 'crm-relay', level: settings.operations.logLevel });
  if (scaledDown) log.warn(scaledDown);
  const running = await startCrmRelay(settings, { log: (line) => log.warn(line) });
  const lifecycle = new Lifecycle();
  const operations = await startOperationsServer({
    host: settings.httpHost,
    port: settings.operations.operationsPort,
    checks: {
      // Ready while publishing or caught up; not while backing off from a broker or database failure.
      'crm-relay': async () => {
        if (running.relay.stats.lastError) throw new Error(running.relay.stats.lastError);
        return running.relay.stats;
      },
    },
    healthCheckTimeoutMs: settings.operations.healthCheckTimeoutMs,
    lifecycle,
    metrics: processMetrics(),
    metricsToken: settings.operations.metricsToken,
    log,
  });
  const stop = drainInOrder(
    [
      { name: 'operations', run: () => operations.close() },
      { name: 'crm-relay', run: () => running.stop() },
    ],
    { lifecycle, logger: log, timeoutMs: settings.operations.shutdownTimeoutMs },
  );
  exitOnSignal(stop, log);
  // Announced only once a signal is handled: whoever starts the process may stop it as soon as it reads this.
  log.info({ eventStore: settings.eventStore, brokers: settings.kafka.brokers, topic: settings.kafka.topics.events, shard: `${settings.kafka.relayShard.index}/${settings.kafka.relayShard.count}` }, 'crm-relay started');
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
