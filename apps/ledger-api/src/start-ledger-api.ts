import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { TokenVerifier } from '#auth';
import { openEventStore, type Settings } from '#config';
import { samplePolicy } from '#domain';
import type { EventStore } from '#event-store';
import { EscalationExpiryScheduler, GestureLedger } from '#ledger';
import { createLedgerApp } from './create-app.js';

export interface RunningLedgerApi {
  app: NestFastifyApplication;
  ledger: GestureLedger;
  store: EventStore;
  url: string;
}

/**
 * Opens the configured store, loads (or seeds) the policy, starts escalation expiry when this instance
 * is to run it, and serves the API. On SIGINT/SIGTERM it stops taking requests first, then expiry,
 * then closes the store, and exits.
 */
export async function startLedgerApi(settings: Settings, options: { expireEscalations: boolean }): Promise<RunningLedgerApi> {
  const store = await openEventStore(settings);
  const ledger = new GestureLedger(store);
  await ledger.start(settings.seedSamplePolicy ? samplePolicy() : undefined);
  const expiry = options.expireEscalations ? new EscalationExpiryScheduler(store, ledger) : undefined;
  await expiry?.start();
  const app = await createLedgerApp({ ledger, verifier: new TokenVerifier(settings.jwt), bodyLimitBytes: settings.bodyLimitBytes });
  await app.listen(settings.httpPort, settings.httpHost);
  const stop = async () => {
    await app.close();
    await expiry?.stop();
    await store.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return { app, ledger, store, url: `http://${settings.httpHost}:${settings.httpPort}` };
}
