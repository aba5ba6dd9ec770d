import 'reflect-metadata';
import { ConfigurationError, loadSettings } from '#config';
import { startProjector } from './start-projector.js';

/**
 * The projector as its own deployable service: follows the log into the read models and serves the
 * query API. One instance per read-model database is enough. A second one is safe but does the work twice:
 * both read every batch and race for the checkpoint row's lock, and the loser drops what the winner applied,
 * so nothing is applied twice.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const running = await startProjector(settings);
  let received = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (received) return;
    received = true;
    console.log(`projector: ${signal}, finishing the batch in hand`);
    running.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  // Announced only once a signal is handled: whoever starts the process may stop it as soon as it reads this.
  console.log(`projector listening on ${running.url} (event store: ${settings.eventStore}, read models: ${settings.projector.readModelDatabaseUrl ? 'PostgreSQL' : 'embedded'})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
