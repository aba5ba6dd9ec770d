import 'reflect-metadata';
import { ConfigurationError, loadSettings } from '#config';
import { startLedgerApi } from './start-ledger-api.js';

/** The command API as its own deployable service; replicas scale horizontally. */
async function main(): Promise<void> {
  const settings = loadSettings();
  // Every replica serves requests; only those configured to do so follow the log to expire escalations.
  const { url } = await startLedgerApi(settings, { expireEscalations: settings.expireEscalations });
  console.log(`ledger-api listening on ${url} (event store: ${settings.eventStore})`);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
