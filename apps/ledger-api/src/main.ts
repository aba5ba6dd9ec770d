import 'reflect-metadata';
import { ConfigurationError, fitStateCaches, loadSettings } from '#config';
import { startLedgerApi } from './start-ledger-api.js';

/** The command API as its own deployable service; replicas scale horizontally. */
async function main(): Promise<void> {
  const { settings, scaledDown } = fitStateCaches(loadSettings(), ['ledger']);
  // Every replica serves requests; only those configured to do so follow the log to expire escalations.
  const { url, log } = await startLedgerApi(settings, { expireEscalations: settings.expireEscalations });
  if (scaledDown) log.warn(scaledDown);
  log.info({ url, eventStore: settings.eventStore }, `ledger-api listening on ${url}`);
}

main().catch((error: unknown) => {
  // A configuration error is the operator's to fix: one line naming the variable, no stack trace.
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
