import 'reflect-metadata';
import { mintToken } from '#auth';
import { ConfigurationError, fitStateCaches, loadSettings, openStorage } from '#config';
import { drainInOrder, exitOnSignal, Lifecycle } from '#observability';
import { startCrmRelay } from '../../crm-relay/src/start-crm-relay.js';
import { startLedgerApi } from '../../ledger-api/src/start-ledger-api.js';
import { financeApiModule } from '../../projector/src/finance/index.js';
import { startProjector } from '../../projector/src/start-projector.js';

/**
 * The main job: every service in one process on the embedded store under ./data, with the sample
 * policy, so `npm start` needs no server and no configuration. The separate deployable services
 * (apps/ledger-api, ...) are built from the same modules.
 */
async function main(): Promise<void> {
  const loaded = loadSettings();
  const { settings, scaledDown } = fitStateCaches(loaded, loaded.kafka.brokers.length > 0 ? ['ledger', 'relay'] : ['ledger']);
  // One store for every part: the embedded PGlite admits one owner per data directory.
  const storage = await openStorage(settings);
  const projector = await startProjector(settings, { storage, serveHttp: false });
  const relay = settings.kafka.brokers.length > 0 ? await startCrmRelay(settings, { store: storage.store }) : undefined;
  const api = await startLedgerApi(settings, {
    expireEscalations: settings.expireEscalations,
    exitOnSignal: false,
    store: storage.store,
    modules: [projector.queryModule, financeApiModule(storage)],
    readinessChecks: { readModels: () => storage.readModels.query('select 1', []) },
  });
  // Commands stop first (nothing new is appended), then the readers finish their batch and commit their checkpoints.
  const drain = drainInOrder(
    [
      { name: 'api', run: async () => void (await api.stop()) },
      { name: 'projector', run: () => projector.stop() },
      ...(relay ? [{ name: 'crm-relay', run: () => relay.stop() }] : []),
      { name: 'storage', run: () => storage.close() },
    ],
    { lifecycle: new Lifecycle(), logger: api.log, timeoutMs: settings.operations.shutdownTimeoutMs },
  );
  exitOnSignal(drain, api.log);
  const { ledger, url } = api;
  // Expected here: each service's default is sized for a process of its own, and this one runs them all.
  if (scaledDown) api.log.info(scaledDown);
  // A production start on a new store has no policy until an admin publishes one (POST /policy): said, not fatal.
  const policy = ledger.policies.published ? ledger.policies.current() : null;
  const aStore = policy === null ? null : (Object.keys(policy.stores)[0] ?? null);
  console.log(`Gesture Ledger is running on ${url} (event store: ${settings.eventStore}${settings.eventStore === 'embedded' ? ` in ${settings.dataDir}` : ''}, ${policy === null ? 'no policy yet: an admin publishes one with POST /policy' : `policy v${policy.version}`})`);
  console.log(`  API documentation: ${url}/docs   OpenAPI: ${url}/docs-json   health: ${url}/health/ready   metrics: ${url}/metrics`);
  console.log(`  read models: ${url}/read/...   finance: ${url}/finance/...   projector lag: ${url}/projections/status`);
  console.log(`  CRM feed to Kafka: ${relay ? settings.kafka.brokers.join(',') : 'off (set KAFKA_BROKERS to publish and to consume frontline actions)'}`);
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
