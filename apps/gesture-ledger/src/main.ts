import 'reflect-metadata';
import { mintToken, TokenVerifier } from '#auth';
import { ConfigurationError, loadSettings, openEventStore } from '#config';
import { samplePolicy } from '#domain';
import { EscalationExpiryScheduler, GestureLedger } from '#ledger';
import { createLedgerApp } from '../../ledger-api/src/create-app.js';

/**
 * The main job: every service in one process on the embedded store under ./data, with the sample
 * policy, so `npm start` needs no server and no configuration. The separate deployable services
 * (apps/ledger-api, ...) are built from the same modules.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const store = await openEventStore(settings);
  const ledger = new GestureLedger(store);
  await ledger.start(settings.seedSamplePolicy ? samplePolicy() : undefined);
  const expiry = new EscalationExpiryScheduler(store, ledger);
  await expiry.start();
  const app = await createLedgerApp({ ledger, verifier: new TokenVerifier(settings.jwt), bodyLimitBytes: settings.bodyLimitBytes });
  await app.listen(settings.httpPort, settings.httpHost);
  const url = `http://${settings.httpHost}:${settings.httpPort}`;
  const policy = ledger.policies.current();
  const aStore = Object.keys(policy.stores)[0] ?? null;
  console.log(`Gesture Ledger is running on ${url} (event store: ${settings.eventStore}${settings.eventStore === 'embedded' ? ` in ${settings.dataDir}` : ''}, policy v${policy.version})`);
  console.log(`  API documentation: ${url}/docs   OpenAPI: ${url}/docs-json   health: ${url}/health/ready`);
  if (settings.jwt.generated) {
    const admin = await mintToken(settings.jwt, { sub: 'admin-1', roles: ['admin'] });
    const till = await mintToken(settings.jwt, { sub: 'till-1', roles: ['pos-system'], store: aStore });
    console.log(`  development tokens (secret kept in ${settings.dataDir}/dev-jwt-secret; mint more with npm run token):`);
    console.log(`    admin:            ${admin}`);
    console.log(`    till of ${aStore}: ${till}`);
    console.log(`  try: curl -s -X POST ${url}/budgets -H "authorization: Bearer <admin token>" -H 'content-type: application/json' \\`);
    console.log(`         -d '{"employeeId":"emp-1","role":"associate","storeId":"${aStore}","idempotencyKey":"enrol-emp-1"}'`);
    console.log(`  or play a day of traffic against it: npm run demo`);
  }
  const stop = async () => {
    await app.close();
    await expiry.stop();
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
