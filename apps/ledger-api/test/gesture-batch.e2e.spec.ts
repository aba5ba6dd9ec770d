import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it, jest } from '@jest/globals';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { mintToken, TokenVerifier, testTokenSettings } from '#auth';
import { budgetStreamName, samplePolicy } from '#domain';
import { createEmbeddedEventStore, NO_STREAM, type EventStore } from '#event-store';
import { GestureLedger } from '#ledger';
import { createLedgerApp } from '../src/create-app.js';

const jwt = testTokenSettings;
const shop = 'nyc-fifth-ave';

/** The embedded store, except that appends to the streams in `failing` fail as a lost database connection would. */
function storeFailingAppendsTo(store: EventStore, failing: ReadonlySet<string>): EventStore {
  return new Proxy(store, {
    get(target, property) {
      if (property === 'appendToStream') {
        return (stream: string, ...rest: Parameters<EventStore['appendToStream']> extends [string, ...infer R] ? R : never) =>
          failing.has(stream) ? Promise.reject(new Error('Connection terminated unexpectedly')) : target.appendToStream(stream, ...rest);
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * A till's offline queue in which some items fail for reasons no validation can see (a history the
 * domain refuses to fold, a database that drops the connection): every item still gets its own answer,
 * and the items that succeeded are not lost behind one error for the whole batch.
 */
describe('offline queue upload when some items fail inside the ledger', () => {
  let app: NestFastifyApplication;
  let store: EventStore;
  let base = '';
  let till = '';
  let finance = '';
  const now = () => new Date().toISOString();
  const gesture = (employeeId: string, amountMinor: number, idempotencyKey: string) => ({
    employeeId,
    customerId: 'cust-1',
    gestureType: 'goodwill_credit',
    amountMinor,
    currency: 'USD',
    channel: 'pos',
    storeId: shop,
    reasonCode: 'service_failure',
    note: 'order arrived late',
    occurredAt: now(),
    idempotencyKey,
  });
  async function call(method: 'GET' | 'POST', url: string, bearer: string, body?: unknown) {
    const res = await fetch(base + url, { method, headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }

  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
    const down = new Set<string>();
    const ledger = new GestureLedger(storeFailingAppendsTo(store, down));
    await ledger.start(samplePolicy());
    const admin = { principal: { subject: 'admin-1', roles: ['admin' as const], storeId: null }, correlationId: 'setup' };
    for (const employeeId of ['emp-ok', 'emp-ok-2', 'emp-down']) expect((await ledger.allocateBudget({ employeeId, role: 'associate', storeId: shop, idempotencyKey: `enrol-${employeeId}` }, admin)).kind).toBe('ok');
    down.add(budgetStreamName('emp-down'));
    // A history the domain cannot fold: a gesture granted on a budget never allocated.
    const metadata = { correlationId: 'setup', causationId: null, actor: 'setup', recordedAt: now() };
    await store.appendToStream(budgetStreamName('emp-broken'), [{ id: randomUUID(), type: 'GestureGranted', schemaVersion: 1, data: {}, metadata }], { expectedRevision: NO_STREAM });
    app = await createLedgerApp({ ledger, verifier: new TokenVerifier(jwt), bodyLimitBytes: 64 * 1024, logger: false, swaggerUi: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    till = await mintToken(jwt, { sub: 'till-7', roles: ['pos-system'], store: shop });
    finance = await mintToken(jwt, { sub: 'fin-1', roles: ['finance'] });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  it('answers every item on its own, as POST /gestures would have, and keeps the ones that succeeded', async () => {
    const logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
    const res = await call('POST', '/gestures/batch', till, {
      items: [gesture('emp-ok', 300, 'q-1'), gesture('emp-broken', 500, 'q-2'), gesture('emp-ok-2', 400, 'q-3'), gesture('emp-down', 600, 'q-4')],
    });
    const logLines = logged.mock.calls.map(([line]) => String(line));
    logged.mockRestore();
    expect(res.status).toBe(200);
    expect(res.body.results).toEqual([
      { index: 0, status: 201, outcome: expect.objectContaining({ outcome: 'granted' }) },
      { index: 1, status: 400, error: { statusCode: 400, error: 'Bad Request', message: expect.stringContaining('never allocated') } },
      { index: 2, status: 201, outcome: expect.objectContaining({ outcome: 'granted' }) },
      { index: 3, status: 500, error: { statusCode: 500, error: 'Internal Server Error' } },
    ]);
    // What went wrong on our side is logged as the global error filter logs it, without reaching the client.
    expect(logLines).toEqual([expect.stringContaining('Connection terminated unexpectedly')]);
    expect((await call('GET', '/budgets/emp-ok', finance)).body.periods[0]).toMatchObject({ spentMinor: 300 });
    expect((await call('GET', '/budgets/emp-ok-2', finance)).body.periods[0]).toMatchObject({ spentMinor: 400 });
  });
});
