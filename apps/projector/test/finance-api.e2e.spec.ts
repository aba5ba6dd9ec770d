import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { mintToken, TokenVerifier, type CallerRole, testTokenSettings } from '#auth';
import { createPgliteDriver, type SqlDriver } from '#event-store';
import { HttpEdgeModule } from '#http';
import { financeProjections } from '#projections';
import { applyInBatches, createProjectionSchema } from '../../../libs/projections/src/finance/testing/project-log.js';
import { financeFixture, fixtureDays, storeA, storeB, type FinanceFixture } from '../../../libs/projections/src/finance/testing/finance-fixture.js';
import { parseCsv } from '../../../libs/projections/src/finance/testing/csv-reader.js';
import { FinanceApiModule } from '../src/finance/finance-api.module.js';

const jwt = testTokenSettings;
const schema = 'finance_e2e';
const month = 'from=2025-03-01T00:00:00Z&to=2025-04-01T00:00:00Z';

describe('finance API (HTTP, roles)', () => {
  let fixture: FinanceFixture;
  let db: SqlDriver;
  let app: NestFastifyApplication;
  let base = '';
  const token = (sub: string, roles: CallerRole[], store: string | null = storeA) => mintToken(jwt, { sub, roles, store });
  const get = async (path: string, bearer: string | null) => {
    const res = await fetch(base + path, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    const text = await res.text();
    return { status: res.status, type: res.headers.get('content-type') ?? '', text, body: res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined };
  };

  beforeAll(async () => {
    fixture = await financeFixture();
    db = await createPgliteDriver({ dataDir: 'memory://' });
    await createProjectionSchema(db, schema, financeProjections);
    await applyInBatches(db, schema, financeProjections, fixture.events, 50);
    @Module({ imports: [HttpEdgeModule.forRoot(new TokenVerifier(jwt)), FinanceApiModule.forRoot({ readModels: db, eventStore: fixture.store, schema })] })
    class FinanceTestApp {}
    app = await NestFactory.create<NestFastifyApplication>(FinanceTestApp, new FastifyAdapter(), { logger: false, abortOnError: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await db?.close();
    await fixture?.close();
  });

  const financeRoutes = [
    `/finance/journal?${month}`,
    `/finance/spend?${month}&groupBy=week&by=store`,
    `/finance/export.csv?${month}`,
    `/finance/anomalies?${month}`,
    '/finance/audit/verify',
  ];

  it.each(financeRoutes)('%s answers finance and admins', async (path) => {
    for (const bearer of [await token('fin-1', ['finance'], null), await token('admin-1', ['admin'], null)]) expect((await get(path, bearer)).status).toBe(200);
  });

  it.each(financeRoutes)('%s refuses staff and systems (403) and anonymous callers (401)', async (path) => {
    for (const [sub, role] of [['ana', 'associate'], ['sue', 'supervisor'], ['boss', 'manager'], ['crm-1', 'crm'], ['till-1', 'pos-system']] as const) {
      const res = await get(path, await token(sub, [role]));
      expect({ role, status: res.status, reason: res.body?.reason }).toEqual({ role, status: 403, reason: 'finance_role_required' });
    }
    expect((await get(path, null)).status).toBe(401);
  });

  it('streams the CSV export whose total equals the spend total over HTTP', async () => {
    const fin = await token('fin-1', ['finance'], null);
    const csv = await get(`/finance/export.csv?${month}`, fin);
    expect(csv.type).toContain('text/csv');
    const [header, ...records] = parseCsv(csv.text);
    const posted = header!.indexOf('posted_minor');
    expect(posted).toBeGreaterThan(0);
    expect(records.every((r) => r.length === header!.length)).toBe(true);
    const total = records.reduce((s, r) => s + Number(r[posted]), 0);
    const spend = await get(`/finance/spend?${month}&groupBy=month&by=type`, fin);
    expect(spend.body.totals).toEqual([expect.objectContaining({ currency: 'USD', postedMinor: total })]);
    expect(total).toBeGreaterThan(0);
  });

  it('reports the journal verified', async () => {
    const res = await get('/finance/audit/verify', await token('admin-1', ['admin'], null));
    expect(res.body).toMatchObject({ ok: true, problem: null });
    expect(res.body.linesVerified).toBeGreaterThan(10);
  });

  it('documents every finance route and its parameters in OpenAPI', () => {
    const document = SwaggerModule.createDocument(app, new DocumentBuilder().setTitle('t').build());
    expect(Object.keys(document.paths).sort()).toEqual(['/finance/anomalies', '/finance/audit/verify', '/finance/export.csv', '/finance/journal', '/finance/spend', '/recognition']);
    const spend = document.paths['/finance/spend']!.get!.parameters as Array<{ name: string }>;
    expect(spend.map((p) => p.name).sort()).toEqual(['asOf', 'by', 'from', 'groupBy', 'to']);
  });

  it('answers 400 naming each bad parameter', async () => {
    const res = await get('/finance/spend?from=yesterday&to=2025-04-01T00:00:00Z&groupBy=year&by=store&extra=1', await token('fin-1', ['finance'], null));
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['extra', 'from', 'groupBy']);
  });

  describe('recognition', () => {
    const day = `from=${fixtureDays.decisions}T00:00:00Z&to=${fixtureDays.decisions}T23:59:59Z`;

    it('shows finance every store', async () => {
      const res = await get(`/recognition?${day}`, await token('fin-1', ['finance'], null));
      expect(res.status).toBe(200);
      expect(new Set(res.body.employees.map((e: { storeId: string }) => e.storeId))).toEqual(new Set([storeA, storeB]));
    });

    it("shows a manager their own store's and refuses another store", async () => {
      const manager = await token('boss', ['manager'], storeA);
      const own = await get(`/recognition?${day}`, manager);
      expect(own.status).toBe(200);
      expect(own.body.employees.length).toBeGreaterThan(0);
      expect(own.body.employees.every((e: { storeId: string }) => e.storeId === storeA)).toBe(true);
      expect((await get(`/recognition?${day}&storeId=${storeB}`, manager)).status).toBe(403);
    });

    it('shows an associate only their own', async () => {
      const ana = await token('ana', ['associate'], storeA);
      const own = await get(`/recognition?${day}`, ana);
      expect(own.body.employees.map((e: { employeeId: string }) => e.employeeId)).toEqual(['ana']);
      expect(own.body.employees[0]).toMatchObject({ compliments: 1, csatAverageHundredths: 450 });
      const other = await get(`/recognition?${day}&employeeId=ben`, ana);
      expect(other).toMatchObject({ status: 403, body: { reason: 'not_your_recognition' } });
    });

    it('refuses systems', async () => {
      expect((await get(`/recognition?${day}`, await token('crm-1', ['crm'], null))).status).toBe(403);
    });
  });
});
