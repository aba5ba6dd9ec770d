import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mintToken, TokenVerifier, type CallerRole, testTokenSettings } from '#auth';
import { samplePolicy } from '#domain';
import { createPgliteDriver, SqlEventStore } from '#event-store';
import { GestureLedger, partyIdPattern, type RequestContext } from '#ledger';
import { allProjections, Projector, ReadModels, ReadQueries } from '#projections';
import { createProjectorApp } from '../src/create-app.js';
import { QueryApiModule } from '../src/query-api/query-api.module.js';

const jwt = testTokenSettings;
const nyc = 'nyc-fifth-ave';
const chicago = 'chicago-loop';

describe('query API (HTTP, embedded store, read models kept by the projector)', () => {
  let app: NestFastifyApplication;
  let store: SqlEventStore;
  let projector: Projector;
  let base = '';
  const gestures: Record<string, string> = {};

  const token = (sub: string, roles: CallerRole[], storeId: string | null = nyc) => mintToken(jwt, { sub, roles, store: storeId });
  /** What both HTTP APIs answer to an employee or customer id in the path that cannot be one. */
  const badPathId = (field: string) => ({
    status: 400,
    body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field, reasons: [`${field} must be 1-64 letters, digits or _.:@- and start with a letter or digit`] }] },
  });
  async function get(url: string, bearer: string | null) {
    const res = await fetch(base + url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }

  beforeAll(async () => {
    const driver = await createPgliteDriver({ dataDir: 'memory://' });
    store = await SqlEventStore.open(driver);
    const ledger = new GestureLedger(store);
    await ledger.start(samplePolicy());
    const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'setup' };
    for (const [employeeId, role, home] of [
      ['asc-1', 'associate', nyc],
      ['asc-2', 'associate', nyc],
      ['sen-1', 'senior_associate', nyc],
      ['sup-1', 'supervisor', nyc],
      ['asc-9', 'associate', chicago],
      ['sup-9', 'supervisor', chicago],
    ] as const) {
      const r = await ledger.allocateBudget({ employeeId, role, storeId: home, idempotencyKey: `enrol-${employeeId}` }, admin);
      expect(r.kind).toBe('ok');
    }
    const as = (subject: string, storeId: string): RequestContext => ({ principal: { subject, roles: ['associate'], storeId }, correlationId: 'setup' });
    const ask = async (employeeId: string, storeId: string, customerId: string, amountMinor: number, key: string) => {
      const r = await ledger.requestGesture(
        { employeeId, customerId, gestureType: 'goodwill_credit', amountMinor, currency: 'USD', channel: 'pos', storeId, reasonCode: 'service_failure', note: 'late', occurredAt: new Date().toISOString(), idempotencyKey: key },
        as(employeeId, storeId),
      );
      if (r.kind !== 'ok') throw new Error(JSON.stringify(r));
      return r.value;
    };
    gestures.granted = (await ask('asc-1', nyc, 'cust-1', 1_000, 'g1')).gestureId;
    gestures.escalatedOld = (await ask('asc-1', nyc, 'cust-1', 4_000, 'g2')).gestureId;
    gestures.escalatedNew = (await ask('asc-2', nyc, 'cust-2', 3_000, 'g3')).gestureId;
    gestures.chicago = (await ask('asc-9', chicago, 'cust-1', 3_500, 'g4')).gestureId;
    const till: RequestContext = { principal: { subject: 'till-1', roles: ['pos-system'], storeId: nyc }, correlationId: 'setup' };
    expect((await ledger.recordPurchase({ customerId: 'cust-1', purchaseId: 'p1', amountMinor: 12_345, currency: 'USD', channel: 'pos', storeId: nyc, occurredAt: new Date().toISOString() }, till)).kind).toBe('ok');
    const crm: RequestContext = { principal: { subject: 'crm-1', roles: ['crm'], storeId: null }, correlationId: 'setup' };
    expect((await ledger.recordFeedback({ customerId: 'cust-1', feedbackId: 'f1', kind: 'csat', score: 4, gestureId: gestures.granted, comment: 'thanks', channel: 'pos', occurredAt: new Date().toISOString() }, crm)).kind).toBe('ok');

    projector = new Projector({ store, db: driver, projections: allProjections, idlePollMs: 10 });
    await projector.prepare();
    projector.start();
    for (let i = 0; i < 500 && (await projector.lag()).eventsBehind > 0; i++) await new Promise((r) => setTimeout(r, 10));
    const queries = new ReadQueries(new ReadModels(driver));
    app = await createProjectorApp({ verifier: new TokenVerifier(jwt), logger: false, swaggerUi: false, modules: [QueryApiModule.forRoot({ queries, status: async () => ({ lag: await projector.lag(), projector: projector.stats }) })] });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await projector?.stop();
    await store?.close();
  });

  describe('employee budget', () => {
    it('the employee reads their own: allowance, spent, reserved, remaining, gestures by type, escalations pending', async () => {
      const res = await get('/read/employees/asc-1/budget', await token('asc-1', ['associate']));
      expect(res.status).toBe(200);
      expect(res.body.employee).toMatchObject({ employeeId: 'asc-1', storeId: nyc, role: 'associate' });
      expect(res.body.period).toMatchObject({ allowanceMinor: 20_000, spentMinor: 1_000, reservedMinor: 4_000, remainingMinor: 15_000, pendingEscalations: 1 });
      expect(res.body.period.gesturesByType).toEqual([{ gestureType: 'goodwill_credit', givenCount: 1, givenMinor: 1_000, escalatedCount: 1, refusedCount: 0, reversedCount: 0 }]);
      expect(res.body.period.escalationsPending.map((e: { gestureId: string }) => e.gestureId)).toEqual([gestures.escalatedOld]);
      const periods = await get('/read/employees/asc-1/budget/periods', await token('asc-1', ['associate']));
      expect(periods.status).toBe(200);
      expect(periods.body.periods).toHaveLength(1);
      const named = await get(`/read/employees/asc-1/budget?period=${res.body.period.periodKey}`, await token('asc-1', ['associate']));
      expect(named.body.period.periodKey).toBe(res.body.period.periodKey);
    });

    it("a supervisor reads their store's employees, finance and admin read anyone's", async () => {
      expect((await get('/read/employees/asc-1/budget', await token('sup-1', ['supervisor']))).status).toBe(200);
      expect((await get('/read/employees/asc-9/budget', await token('fin-1', ['finance'], null))).status).toBe(200);
      expect((await get('/read/employees/asc-9/budget/periods', await token('admin-1', ['admin'], null))).status).toBe(200);
    });

    it("forbids another associate, a supervisor of another store, a till and the CRM", async () => {
      for (const [sub, roles, storeId] of [
        ['asc-2', ['associate'], nyc],
        ['sen-1', ['senior_associate'], nyc],
        ['sup-9', ['supervisor'], chicago],
        ['till-1', ['pos-system'], nyc],
        ['crm-1', ['crm'], null],
      ] as Array<[string, CallerRole[], string | null]>) {
        const res = await get('/read/employees/asc-1/budget', await token(sub, roles, storeId));
        expect({ sub, status: res.status }).toEqual({ sub, status: 403 });
        expect((await get('/read/employees/asc-1/budget/periods', await token(sub, roles, storeId))).status).toBe(403);
      }
    });

    it('answers 401 without a token, 404 for an unknown employee or period, 400 naming a bad field', async () => {
      expect((await get('/read/employees/asc-1/budget', null)).status).toBe(401);
      expect((await get('/read/employees/nobody/budget', await token('admin-1', ['admin'], null))).status).toBe(404);
      expect((await get('/read/employees/asc-1/budget?period=1999-01-01', await token('asc-1', ['associate']))).status).toBe(404);
      const bad = await get('/read/employees/asc-1/budget?period=yesterday', await token('asc-1', ['associate']));
      expect(bad.status).toBe(400);
      expect(bad.body.errors).toEqual([{ field: 'period', reasons: [expect.stringContaining('period must be')] }]);
      const badLimit = await get('/read/employees/asc-1/budget/periods?limit=5000', await token('asc-1', ['associate']));
      expect(badLimit.status).toBe(400);
      expect(badLimit.body.errors[0].field).toBe('limit');
    });

    it('answers 400 naming a query parameter the route does not take (a mistyped one would otherwise be ignored), and the ones it does take still answer', async () => {
      const associate = await token('asc-1', ['associate']);
      const typo = await get('/read/employees/asc-1/budget?perod=2026-11', associate);
      expect(typo.status).toBe(400);
      expect(typo.body.errors).toEqual([{ field: 'perod', reasons: ['perod is not a query parameter of this endpoint (it takes period)'] }]);
      const queue = await get('/read/supervisors/me/queue?limit=5&store=nyc', await token('sup-1', ['supervisor']));
      expect(queue.status).toBe(400);
      expect(queue.body.errors.map((e: { field: string }) => e.field)).toEqual(['store']);
      expect((await get('/read/employees/asc-1/budget/periods?limit=2&before=2030-01-01', associate)).status).toBe(200);
    });

    it('refuses an employee id that cannot be one as the ledger API does, naming the path field, after authentication', async () => {
      const admin = await token('admin-1', ['admin'], null);
      for (const url of ['/read/employees/%00/budget', `/read/employees/${'e'.repeat(65)}/budget?period=2026-11`, '/read/employees/-asc-1/budget/periods']) {
        const [answer, anonymous] = [await get(url, admin), await get(url, null)];
        expect({ url, ...answer, anonymous: anonymous.status }).toEqual({ url, ...badPathId('employeeId'), anonymous: 401 });
      }
      // A party id in the query string is refused in the same words as in the path.
      expect(await get('/read/customers?after=-cust-1', admin)).toEqual(badPathId('after'));
      // A bad id and bad query values: one answer names them all.
      const idRule = badPathId('employeeId').body.errors[0]!;
      const both = await get('/read/employees/-asc-1/budget?period=yesterday', admin);
      expect({ status: both.status, errors: both.body.errors }).toEqual({ status: 400, errors: [idRule, { field: 'period', reasons: [expect.stringContaining('period must be')] }] });
      const page = await get('/read/employees/-asc-1/budget/periods?limit=0&beforePeriod=2026-11-23', admin);
      expect({ status: page.status, fields: page.body.errors.map((e: { field: string }) => e.field) }).toEqual({ status: 400, fields: ['employeeId', 'limit', 'beforePeriod'] });
    });
  });

  describe("supervisor's queue", () => {
    it("lists their store's escalations they may decide, oldest first, with the customer's history beside each", async () => {
      const res = await get('/read/supervisors/me/queue', await token('sup-1', ['supervisor']));
      expect(res.status).toBe(200);
      expect(res.body.items.map((i: { gestureId: string }) => i.gestureId)).toEqual([gestures.escalatedOld, gestures.escalatedNew]);
      const first = res.body.items[0];
      expect(first).toMatchObject({ employeeId: 'asc-1', customerId: 'cust-1', reserved: { amountMinor: 4_000, currency: 'USD' }, approverRole: 'senior_associate' });
      expect(first.customer.lastFeedback).toMatchObject({ kind: 'csat', score: 4 });
      expect(first.customer.recentGestures.map((g: { gestureId: string }) => g.gestureId)).toEqual(expect.arrayContaining([gestures.granted, gestures.chicago]));
      expect(first.customer.recentGestures.map((g: { gestureId: string }) => g.gestureId)).not.toContain(gestures.escalatedOld);
    });

    it("never shows an approver their own gestures, nor another store's", async () => {
      const chicagoQueue = await get('/read/supervisors/me/queue', await token('sup-9', ['supervisor'], chicago));
      expect(chicagoQueue.body.items.map((i: { gestureId: string }) => i.gestureId)).toEqual([gestures.chicago]);
      // asc-1 holding a senior role in a token still never sees their own escalation.
      const own = await get('/read/supervisors/me/queue', await token('asc-1', ['senior_associate']));
      expect(own.body.items.map((i: { gestureId: string }) => i.gestureId)).toEqual([gestures.escalatedNew]);
    });

    it('is forbidden to associates, finance, the CRM, tills and admins (who never approve)', async () => {
      for (const [sub, roles] of [['asc-2', ['associate']], ['fin-1', ['finance']], ['crm-1', ['crm']], ['till-1', ['pos-system']], ['admin-1', ['admin']]] as Array<[string, CallerRole[]]>) {
        expect({ sub, status: (await get('/read/supervisors/me/queue', await token(sub, roles))).status }).toEqual({ sub, status: 403 });
      }
    });
  });

  describe('customer 360', () => {
    it('gives the CRM points, tier, spend, gestures received by type and window, last feedback, open escalations', async () => {
      const res = await get('/read/customers/cust-1', await token('crm-1', ['crm'], null));
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ customerId: 'cust-1', pointsBalance: 123, tier: 'bronze', lifetimeSpendMinor: 12_345, spend12mMinor: 12_345, purchases: 1 });
      const usd = { currency: 'USD', count30d: 1, value30dMinor: 1_000, count90d: 1, value90dMinor: 1_000, count365d: 1, value365dMinor: 1_000 };
      expect(res.body.gesturesReceived).toEqual({ total: { count30d: 1, count90d: 1, count365d: 1 }, byCurrency: [usd], byType: [{ gestureType: 'goodwill_credit', ...usd }] });
      expect(res.body.lastFeedback).toMatchObject({ feedbackId: 'f1', score: 4, gestureId: gestures.granted });
      expect(res.body.openEscalations.map((e: { gestureId: string }) => e.gestureId).sort()).toEqual([gestures.escalatedOld, gestures.chicago].sort());
    });

    it('is forbidden to associates and tills; 404 for an unknown customer; 400 for a malformed id', async () => {
      expect((await get('/read/customers/cust-1', await token('asc-1', ['associate']))).status).toBe(403);
      expect((await get('/read/customers/cust-1', await token('till-1', ['pos-system']))).status).toBe(403);
      expect((await get('/read/customers/cust-1', await token('sup-1', ['supervisor']))).status).toBe(200);
      expect((await get('/read/customers/nobody', await token('crm-1', ['crm'], null))).status).toBe(404);
      for (const url of [`/read/customers/${encodeURIComponent('bad id!')}`, '/read/customers/%00']) {
        const [answer, anonymous] = [await get(url, await token('crm-1', ['crm'], null)), await get(url, null)];
        expect({ url, ...answer, anonymous: anonymous.status }).toEqual({ url, ...badPathId('customerId'), anonymous: 401 });
      }
    });
  });

  it('describes the path ids in its OpenAPI document', async () => {
    const doc = (await get('/docs-json', null)).body;
    for (const [path, name] of [['/read/employees/{employeeId}/budget', 'employeeId'], ['/read/employees/{employeeId}/budget/periods', 'employeeId'], ['/read/customers/{customerId}', 'customerId']]) {
      const parameters = doc.paths[path].get.parameters.filter((p: { in: string }) => p.in === 'path');
      expect({ path, parameters }).toEqual({ path, parameters: [expect.objectContaining({ name, required: true, schema: { type: 'string', pattern: partyIdPattern.source } })] });
    }
  });

  it('reports the projector lag to any authenticated caller', async () => {
    const res = await get('/projections/status', await token('till-1', ['pos-system']));
    expect(res.status).toBe(200);
    expect(res.body.lag).toMatchObject({ eventsBehind: 0, secondsBehind: 0 });
    expect(res.body.lag.eventsApplied).toBeGreaterThan(10);
    expect((await get('/projections/status', null)).status).toBe(401);
  });
});
