import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken, TokenVerifier, type CallerRole, testTokenSettings } from '#auth';
import { samplePolicy, type StaffRole } from '#domain';
import { createPgliteDriver, SqlEventStore } from '#event-store';
import { GestureLedger, type RequestContext } from '#ledger';
import { allProjections, Projector, ReadModels, ReadQueries } from '#projections';
import { createLedgerApp } from '../apps/ledger-api/src/create-app.js';
import { QueryApiModule } from '../apps/projector/src/query-api/query-api.module.js';

const jwt = testTokenSettings;
const nyc = 'nyc-fifth-ave';
const chicago = 'chicago-loop';

/**
 * Who may read whose budget, asked of both sides as the all-in-one serves them: the ledger API (the
 * budget as of now, from the write side) and the query API (the read models). Both must answer alike.
 */
describe("reading another employee's budget, on the ledger API and on the read API", () => {
  let app: NestFastifyApplication;
  let store: SqlEventStore;
  let projector: Projector;
  let base = '';

  const token = (sub: string, roles: CallerRole[], storeId: string | null = nyc) => mintToken(jwt, { sub, roles, store: storeId });
  const statusOf = async (url: string, bearer: string) => (await fetch(base + url, { headers: { authorization: `Bearer ${bearer}` } })).status;

  beforeAll(async () => {
    const driver = await createPgliteDriver({ dataDir: 'memory://' });
    store = await SqlEventStore.open(driver);
    const ledger = new GestureLedger(store);
    await ledger.start(samplePolicy());
    const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'setup' };
    for (const [employeeId, role, home] of [
      ['asc-1', 'associate', nyc],
      ['sup-1', 'supervisor', nyc],
      ['sup-2', 'supervisor', nyc],
      ['mgr-1', 'manager', nyc],
      ['mgr-9', 'manager', chicago],
    ] as Array<[string, StaffRole, string]>) {
      expect((await ledger.allocateBudget({ employeeId, role, storeId: home, idempotencyKey: `enrol-${employeeId}` }, admin)).kind).toBe('ok');
    }
    projector = new Projector({ store, db: driver, projections: allProjections, idlePollMs: 10 });
    await projector.prepare();
    projector.start();
    for (let i = 0; i < 500 && (await projector.lag()).eventsBehind > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const queries = new ReadQueries(new ReadModels(driver));
    const queryModule = QueryApiModule.forRoot({ queries, status: async () => ({ lag: await projector.lag(), projector: projector.stats }) });
    app = await createLedgerApp({ ledger, verifier: new TokenVerifier(jwt), bodyLimitBytes: 64 * 1024, logger: false, swaggerUi: false, modules: [queryModule] });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await projector?.stop();
    await store?.close();
  });

  // The employees: asc-1 associate, sup-1 and sup-2 supervisors, mgr-1 manager of nyc-fifth-ave; mgr-9 manager of chicago-loop.
  const cases: Array<[string, CallerRole, string | null, string, number]> = [
    ['sup-1', 'supervisor', nyc, 'asc-1', 200],
    ['mgr-1', 'manager', nyc, 'sup-1', 200],
    ['sup-1', 'supervisor', nyc, 'mgr-1', 403],
    ['sup-1', 'supervisor', nyc, 'sup-2', 403],
    ['mgr-1', 'manager', nyc, 'mgr-9', 403],
    ['sup-1', 'supervisor', nyc, 'sup-1', 200],
    ['sup-hq', 'supervisor', null, 'asc-1', 200],
    ['sup-hq', 'supervisor', null, 'mgr-9', 403],
    ['sup-hq', 'supervisor', null, 'sup-1', 403],
    ['mgr-hq', 'manager', null, 'sup-1', 200],
    ['mgr-hq', 'manager', null, 'mgr-9', 403],
    ['fin-1', 'finance', null, 'mgr-1', 200],
  ];

  it.each(cases)('%s, %s of %s, reading the budget of %s: %i', async (subject, role, storeId, employeeId, status) => {
    const bearer = await token(subject, [role], storeId);
    expect({
      ledger: await statusOf(`/budgets/${employeeId}`, bearer),
      read: await statusOf(`/read/employees/${employeeId}/budget`, bearer),
      readPeriods: await statusOf(`/read/employees/${employeeId}/budget/periods`, bearer),
    }).toEqual({ ledger: status, read: status, readPeriods: status });
  });
});
