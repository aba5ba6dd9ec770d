import 'reflect-metadata';
import { mintToken } from '#auth';
import { ConfigurationError, loadSettings } from '#config';
import { startLedgerApi } from '../../ledger-api/src/start-ledger-api.js';

/**
 * The main job: every service in one process on the embedded store under ./data, with the sample
 * policy, so `npm start` needs no server and no configuration. The separate deployable services
 * (apps/ledger-api, ...) are built from the same modules.
 */
async function main(): Promise<void> {
  const settings = loadSettings();
  const { ledger, url } = await startLedgerApi(settings, { expireEscalations: settings.expireEscalations });
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
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigurationError ? `configuration error: ${error.message}` : error);
  process.exit(1);
});
