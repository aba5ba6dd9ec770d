import 'reflect-metadata';
import { TokenVerifier } from '#auth';
import { ConfigurationError, loadSettings, openEventStore } from '#config';
import { samplePolicy } from '#domain';
import { EscalationExpiryScheduler, GestureLedger } from '#ledger';
import { createLedgerApp } from './create-app.js';

/** The command API as its own deployable service. */
async function main(): Promise<void> {
  const settings = loadSettings();
  const store = await openEventStore(settings);
  const ledger = new GestureLedger(store);
  await ledger.start(settings.seedSamplePolicy ? samplePolicy() : undefined);
  // Every replica serves requests; only those configured to do so follow the log to expire escalations.
  const expiry = settings.expireEscalations ? new EscalationExpiryScheduler(store, ledger) : undefined;
  await expiry?.start();
  const app = await createLedgerApp({ ledger, verifier: new TokenVerifier(settings.jwt), bodyLimitBytes: settings.bodyLimitBytes });
  await app.listen(settings.httpPort, settings.httpHost);
  console.log(`ledger-api listening on http://${settings.httpHost}:${settings.httpPort} (event store: ${settings.eventStore})`);
  const stop = async () => {
    await app.close();
    await expiry?.stop();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
