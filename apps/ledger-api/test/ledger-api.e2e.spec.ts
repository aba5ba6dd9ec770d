import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { mintToken, TokenVerifier, type CallerRole, testTokenSettings } from '#auth';
import { loyaltyStreamName, samplePolicy } from '#domain';
import { createEmbeddedEventStore, type EventStore } from '#event-store';
import { GestureLedger, gestureIdFor } from '#ledger';
import { createLedgerApp } from '../src/create-app.js';

const jwt = testTokenSettings;
const store1 = 'nyc-fifth-ave';
const store2 = 'chicago-loop';
const now = () => new Date().toISOString();

describe('ledger API (HTTP, embedded store)', () => {
  let app: NestFastifyApplication;
  let store: EventStore;
  const tokens: Record<string, string> = {};
  const token = async (sub: string, roles: CallerRole[], store: string | null = store1) => (tokens[`${sub}/${roles}/${store}`] ??= await mintToken(jwt, { sub, roles, store }));
  let n = 0;
  const key = () => `k-${Date.now()}-${n++}`;

  let base = '';
  // Real HTTP over loopback: Fastify's in-process inject pulls an ESM-only package Jest cannot load.
  async function post(url: string, body: unknown, bearer: string | null, headers: Record<string, string> = {}) {
    const res = await fetch(base + url, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...headers } });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  }
  async function get(url: string, bearer?: string) {
    const res = await fetch(base + url, { headers: bearer ? { authorization: `Bearer ${bearer}` } : {} });
    return { status: res.status, body: JSON.parse(await res.text()) };
  }
  const gesture = (employeeId: string, over: Record<string, unknown> = {}) => ({
    employeeId,
    customerId: 'cust-1',
    gestureType: 'goodwill_credit',
    amountMinor: 1500,
    currency: 'USD',
    channel: 'pos',
    storeId: store1,
    reasonCode: 'service_failure',
    note: 'order arrived late',
    occurredAt: now(),
    idempotencyKey: key(),
    ...over,
  });

  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
    const ledger = new GestureLedger(store);
    await ledger.start(samplePolicy());
    app = await createLedgerApp({ ledger, verifier: new TokenVerifier(jwt), bodyLimitBytes: 64 * 1024, logger: false, swaggerUi: false });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
    const admin = await token('admin-1', ['admin'], null);
    for (const [employeeId, role, home] of [
      ['emp-a', 'associate', store1],
      ['emp-b', 'associate', store1],
      ['emp-s', 'senior_associate', store1],
      ['sup-1', 'supervisor', store1],
      ['sup-2', 'supervisor', store1],
      ['mgr-1', 'manager', store1],
      ['emp-c', 'associate', store2],
    ] as const) {
      const res = await post('/budgets', { employeeId, role, storeId: home, idempotencyKey: `enrol-${employeeId}` }, admin);
      expect(res.status).toBe(200);
    }
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    await store?.close();
  });

  describe('recording gestures', () => {
    it('grants a gesture within the auto-approval limit and charges the budget', async () => {
      const me = await token('emp-a', ['associate']);
      const res = await post('/gestures', gesture('emp-a'), me);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ outcome: 'granted', cost: { amountMinor: 1500, currency: 'USD' } });
      const budget = await get('/budgets/emp-a', me);
      expect(budget.body.periods[0]).toMatchObject({ spentMinor: 1500, reservedMinor: 0 });
    });

    it('escalates above the auto-approval limit, reserving the amount until a supervisor decides', async () => {
      const me = await token('emp-b', ['associate']);
      const res = await post('/gestures', gesture('emp-b', { amountMinor: 4000 }), me);
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ outcome: 'escalated', approverRole: 'senior_associate', reserved: { amountMinor: 4000 } });
      expect(typeof res.body.reservationId).toBe('string');
      expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now());
      expect((await get('/budgets/emp-b', me)).body.periods[0]).toMatchObject({ reservedMinor: 4000, spentMinor: 0 });

      const approved = await post(`/gestures/${encodeURIComponent(res.body.gestureId)}/approve`, { approvedAmountMinor: 3000, reasonCode: 'partial' }, await token('emp-s', ['senior_associate']));
      expect(approved.status).toBe(200);
      expect(approved.body).toMatchObject({ outcome: 'escalated', status: 'approved' });
      expect((await get('/budgets/emp-b', me)).body.periods[0]).toMatchObject({ reservedMinor: 0, spentMinor: 3000 });
    });

    it('refuses a regulated category with a machine-readable reason, and records the refusal', async () => {
      const res = await post('/gestures', gesture('emp-a', { gestureType: 'cash_payout', reasonCode: 'claim_settlement' }), await token('emp-a', ['associate']));
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject({ outcome: 'refused', reason: 'regulated_category' });
    });

    it('answers a retried request with its first outcome and records nothing new', async () => {
      const me = await token('emp-a', ['associate']);
      const body = gesture('emp-a', { amountMinor: 700 });
      const first = await post('/gestures', body, me);
      const before = (await get('/budgets/emp-a', me)).body.periods[0].spentMinor;
      const again = await post('/gestures', body, me);
      expect(again.body).toEqual(first.body);
      expect((await get('/budgets/emp-a', me)).body.periods[0].spentMinor).toBe(before);
    });

    it('never overspends under 40 concurrent requests for one employee', async () => {
      const me = await token('emp-c', ['associate'], store2);
      const results = await Promise.all(Array.from({ length: 40 }, () => post('/gestures', gesture('emp-c', { amountMinor: 2000, storeId: store2, customerId: `c-${n++}` }), me)));
      const granted = results.filter((r) => r.body.outcome === 'granted').length;
      expect(granted).toBe(10);
      expect(results.filter((r) => r.body.outcome === 'refused').every((r) => r.body.reason === 'allowance_exhausted')).toBe(true);
      const budget = (await get('/budgets/emp-c', me)).body.periods[0];
      expect(budget.spentMinor + budget.reservedMinor).toBeLessThanOrEqual(budget.allowanceMinor);
      expect(budget.spentMinor).toBe(20_000);
    });

    it('uploads an offline queue: each item answered on its own, bad ones named, occurredAt kept', async () => {
      const till = await token('till-12', ['pos-system']);
      const earlier = new Date(Date.now() - 3 * 3600_000).toISOString();
      const res = await post('/gestures/batch', { items: [gesture('emp-a', { occurredAt: earlier, amountMinor: 300 }), { ...gesture('emp-a'), amountMinor: -5 }, gesture('emp-c', { storeId: store1 })] }, till);
      expect(res.status).toBe(200);
      expect(res.body.results[0]).toMatchObject({ index: 0, status: 201, outcome: { outcome: 'granted' } });
      expect(res.body.results[1]).toMatchObject({ index: 1, status: 400, errors: [{ field: 'amountMinor' }] });
      expect(res.body.results[2]).toMatchObject({ index: 2, status: 403 });
    });

    it('refuses a staff session back-dating a gesture to an earlier day, which only a till’s offline upload may do', async () => {
      const me = await token('emp-a', ['associate']);
      const yesterday = new Date(Date.now() - 26 * 3600_000).toISOString();
      const before = (await get('/budgets/emp-a', me)).body.periods;
      const own = await post('/gestures', gesture('emp-a', { occurredAt: yesterday, amountMinor: 200 }), me);
      expect(own.status).toBe(201);
      expect(own.body).toMatchObject({ outcome: 'refused', reason: 'occurred_too_long_ago' });
      expect((await get('/budgets/emp-a', me)).body.periods).toEqual(before);
      const viaBatch = await post('/gestures/batch', { items: [gesture('emp-a', { occurredAt: yesterday, amountMinor: 200 })] }, me);
      expect(viaBatch.body.results[0]).toMatchObject({ status: 201, outcome: { outcome: 'refused', reason: 'occurred_too_long_ago' } });
      const fromTill = await post('/gestures', gesture('emp-a', { occurredAt: yesterday, amountMinor: 200 }), await token('till-12', ['pos-system']));
      expect(fromTill.body).toMatchObject({ outcome: 'granted' });
    });
  });

  describe('bad input', () => {
    it('answers 400 naming each bad field and why', async () => {
      const res = await post('/gestures', { ...gesture('emp-a'), amountMinor: 12.5, currency: 'usd', channel: 'fax', occurredAt: 'yesterday' }, await token('emp-a', ['associate']));
      expect(res.status).toBe(400);
      const fields = res.body.errors.map((e: { field: string }) => e.field).sort();
      expect(fields).toEqual(['amountMinor', 'channel', 'currency', 'occurredAt']);
      expect(res.body.errors.every((e: { reasons: string[] }) => e.reasons.length > 0)).toBe(true);
    });

    it('rejects a body that is not a JSON object, and prototype-poisoning keys', async () => {
      const me = await token('emp-a', ['associate']);
      const array = await post('/gestures', [gesture('emp-a')], me);
      expect(array.status).toBe(400);
      const poisoned = await fetch(base + '/gestures', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${me}` }, body: `{"__proto__":{"approved":true},${JSON.stringify(gesture('emp-a')).slice(1)}` });
      expect(poisoned.status).toBe(400);
    });

    it('rejects unknown fields', async () => {
      const res = await post('/gestures', { ...gesture('emp-a'), approved: true }, await token('emp-a', ['associate']));
      expect(res.status).toBe(400);
      expect(res.body.errors).toEqual([{ field: 'approved', reasons: [expect.stringContaining('should not exist')] }]);
    });

    it('refuses what the domain would, naming the field: a date-time without an offset, points: null, approving 0', async () => {
      const me = await token('emp-a', ['associate']);
      const before = (await get('/budgets/emp-a', me)).body.periods;
      for (const occurredAt of ['2026-11-24', '2026-11-24T05:00:00', '2026-W48-1']) {
        const res = await post('/gestures', gesture('emp-a', { occurredAt }), me);
        expect({ occurredAt, status: res.status, errors: res.body.errors }).toEqual({ occurredAt, status: 400, errors: [{ field: 'occurredAt', reasons: [expect.stringContaining('offset')] }] });
      }
      const nullPoints = await post('/gestures', gesture('emp-a', { gestureType: 'bonus_loyalty_points', amountMinor: undefined, currency: undefined, points: null, reasonCode: 'loyal_customer' }), me);
      expect(nullPoints.status).toBe(400);
      expect(nullPoints.body.errors.map((e: { field: string }) => e.field)).toEqual(['points']);
      expect((await get('/budgets/emp-a', me)).body.periods).toEqual(before);

      const escalated = await post('/gestures', gesture('emp-b', { amountMinor: 3000, customerId: 'cust-zero' }), await token('emp-b', ['associate']));
      expect(escalated.body.outcome).toBe('escalated');
      const zero = await post(`/gestures/${encodeURIComponent(escalated.body.gestureId)}/approve`, { approvedAmountMinor: 0 }, await token('emp-s', ['senior_associate']));
      expect(zero.status).toBe(400);
      expect(zero.body.errors.map((e: { field: string }) => e.field)).toEqual(['approvedAmountMinor']);
    });

    it('refuses a field named constructor like any unknown field, naming it beside the other bad fields, and writes nothing', async () => {
      const before = (await get('/budgets/emp-a', await token('admin-1', ['admin'], null))).body;
      const res = await post('/gestures', { ...gesture('emp-a'), constructor: null, amountMinor: -5 }, await token('emp-a', ['associate']));
      expect({ status: res.status, fields: res.body.errors.map((e: { field: string }) => e.field).sort() }).toEqual({ status: 400, fields: ['amountMinor', 'constructor'] });
      expect(res.body.errors).toContainEqual({ field: 'constructor', reasons: ['property constructor should not exist'] });
      expect((await get('/budgets/emp-a', await token('admin-1', ['admin'], null))).body).toEqual(before);
    });

    it('refuses the names every object inherits (hasOwnProperty, isPrototypeOf, …) as unknown fields, and writes nothing', async () => {
      const me = await token('emp-a', ['associate']);
      const before = (await get('/budgets/emp-a', me)).body;
      for (const field of ['hasOwnProperty', 'isPrototypeOf', 'propertyIsEnumerable', '__defineGetter__', '__lookupSetter__', 'toString', 'valueOf']) {
        const res = await post('/gestures', { ...gesture('emp-a'), [field]: 'x' }, me);
        expect({ field, status: res.status, errors: res.body.errors }).toEqual({ field, status: 400, errors: [{ field, reasons: [`property ${field} should not exist`] }] });
      }
      expect((await get('/budgets/emp-a', me)).body).toEqual(before);
    });

    it('refuses control characters and unpaired surrogates in free text, naming the field, and writes nothing', async () => {
      const me = await token('emp-a', ['associate']);
      const manager = await token('mgr-1', ['manager']);
      const before = (await get('/budgets/emp-a', me)).body;
      const refusals = [
        await post('/gestures', gesture('emp-a', { note: 'order\u0000late' }), me),
        await post('/gestures', gesture('emp-a', { reasonCode: 'service_failure\u0007' }), me),
        await post('/gestures', gesture('emp-a', { note: 'late \ud800' }), me),
        await post('/budgets/emp-a/adjustments', { deltaMinor: 500, reasonCode: 'promo', note: 'top-up \u001b[2J', idempotencyKey: key() }, manager),
        await post('/feedback', { customerId: 'cust-1', feedbackId: key(), kind: 'compliment', comment: 'great\u0000', occurredAt: now() }, await token('crm-1', ['crm'], null)),
      ];
      expect(refusals.map((r) => [r.status, r.body.errors?.map((e: { field: string }) => e.field)])).toEqual([
        [400, ['note']],
        [400, ['reasonCode']],
        [400, ['note']],
        [400, ['note']],
        [400, ['comment']],
      ]);
      expect((await get('/budgets/emp-a', me)).body).toEqual(before);
      // Line breaks and tabs are what notes are made of.
      expect((await post('/gestures', gesture('emp-a', { amountMinor: 100, note: 'order late\r\n\tsecond time' }), me)).status).toBe(201);
    });

    it('answers 413 to a body over the limit, and writes nothing', async () => {
      const res = await post('/gestures', { ...gesture('emp-a'), note: 'x'.repeat(70 * 1024) }, await token('emp-a', ['associate']));
      expect(res.status).toBe(413);
    });

    it('answers what is refused before the route (a body that is not JSON, too large, of another type) in the one error shape', async () => {
      const me = await token('emp-a', ['associate']);
      const send = async (body: string | ReadableStream, contentType: string) => {
        const res = await fetch(base + '/gestures', { method: 'POST', body, headers: { 'content-type': contentType, authorization: `Bearer ${me}` }, ...(body instanceof ReadableStream ? { duplex: 'half' } : {}) });
        return { status: res.status, body: JSON.parse(await res.text()) };
      };
      const notJson = (status: number) => ({ status, body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field: 'body', reasons: [expect.any(String)] }] } });
      expect(await send('{"employeeId":', 'application/json')).toEqual(notJson(400));
      expect(await send('', 'application/json')).toEqual(notJson(400));
      const tooLarge = { status: 413, body: { statusCode: 413, error: 'Payload Too Large', message: expect.any(String) } };
      const oversized = JSON.stringify({ ...gesture('emp-a'), note: 'x'.repeat(70 * 1024) });
      expect(await send(oversized, 'application/json')).toEqual(tooLarge);
      // Chunked, without a content-length: refused as it streams past the limit.
      expect(await send(new Blob([oversized]).stream(), 'application/json')).toEqual(tooLarge);
      expect(await send('<gesture/>', 'application/xml')).toEqual({ status: 415, body: { statusCode: 415, error: 'Unsupported Media Type', message: expect.any(String) } });
      // A form is no JSON either: its fields would otherwise reach the DTO as strings.
      const form = new URLSearchParams(Object.entries(gesture('emp-a')).map(([k, v]): [string, string] => [k, String(v)])).toString();
      expect(await send(form, 'application/x-www-form-urlencoded')).toEqual({ status: 415, body: { statusCode: 415, error: 'Unsupported Media Type', message: expect.any(String) } });
    });

    it('answers 409 when an idempotency key is reused for a different gesture, and charges nothing more', async () => {
      const me = await token('emp-a', ['associate']);
      const body = gesture('emp-a', { amountMinor: 100 });
      expect((await post('/gestures', body, me)).status).toBe(201);
      const spent = (await get('/budgets/emp-a', me)).body.periods[0].spentMinor;
      const reused = await post('/gestures', { ...body, amountMinor: 2400 }, me);
      expect(reused.status).toBe(409);
      expect(reused.body.reason).toBe('idempotency_key_reused');
      expect((await get('/budgets/emp-a', me)).body.periods[0].spentMinor).toBe(spent);
    });

    it('refuses a path id that cannot be an id like a bad body field, after authentication, and writes nothing', async () => {
      const refused = (field: string) => ({ status: 400, body: { statusCode: 400, error: 'Bad Request', message: 'validation failed', errors: [{ field, reasons: [expect.stringContaining(`${field} must be`)] }] } });
      const supervisor = await token('sup-1', ['supervisor']);
      const admin = await token('admin-1', ['admin'], null);
      const crm = await token('crm-1', ['crm'], null);
      const before = (await get('/budgets/emp-a', admin)).body;
      for (const [url, bearer, field] of [
        ['/gestures/%00/approve', supervisor, 'gestureId'],
        ['/gestures/emp-a/deny', supervisor, 'gestureId'],
        [`/gestures/${encodeURIComponent('emp a~00000000-0000-0000-0000-000000000000')}/reverse`, admin, 'gestureId'],
        ['/budgets/%00/adjustments', admin, 'employeeId'],
        [`/customers/${encodeURIComponent('bad id!')}/redemptions`, await token('till-12', ['pos-system']), 'customerId'],
        ['/customers/%00/loyalty/expiry', crm, 'customerId'],
      ] as const) {
        const body = url.endsWith('/redemptions') ? { redemptionId: key(), points: 1, channel: 'pos', storeId: store1, occurredAt: now() } : url.endsWith('/adjustments') ? { deltaMinor: 500, idempotencyKey: key() } : {};
        const [answer, anonymous] = [await post(url, body, bearer), await post(url, body, null)];
        expect({ url, ...answer, anonymous: anonymous.status }).toEqual({ url, ...refused(field), anonymous: 401 });
      }
      for (const [url, field] of [['/budgets/%00', 'employeeId'], [`/budgets/${'e'.repeat(65)}`, 'employeeId'], ['/customers/%00/loyalty', 'customerId']] as const) {
        const [answer, anonymous] = [await get(url, admin), await get(url)];
        expect({ url, ...answer, anonymous: anonymous.status }).toEqual({ url, ...refused(field), anonymous: 401 });
      }
      expect((await get('/budgets/emp-a', admin)).body).toEqual(before);
    });

    it('names a bad path id and every bad body field in one 400, and only the body fields when the id is well-formed', async () => {
      const supervisor = await token('sup-1', ['supervisor']);
      const admin = await token('admin-1', ['admin'], null);
      const till = await token('till-12', ['pos-system']);
      const unknownGesture = 'emp-a~00000000-0000-4000-8000-000000000000';
      const fields = (res: { body: { errors?: Array<{ field: string; reasons: string[] }> } }): Record<string, string> => Object.fromEntries((res.body.errors ?? []).map(({ field, reasons }) => [field, reasons.join('; ')]));
      const [answers, expected]: unknown[][] = [[], []];
      for (const [route, bearer, idField, bad, good, body, bodyFields] of [
        ['/gestures/:id/approve', supervisor, 'gestureId', 'not-an-id', unknownGesture, { approvedAmountMinor: 0, surprise: 1 }, ['approvedAmountMinor', 'surprise']],
        ['/gestures/:id/deny', supervisor, 'gestureId', 'emp-a', unknownGesture, { note: 7 }, ['note']],
        ['/gestures/:id/deny', supervisor, 'gestureId', 'emp-a', unknownGesture, [], ['body']],
        ['/gestures/:id/reverse', admin, 'gestureId', '%00', unknownGesture, { reasonCode: '', extra: true }, ['reasonCode', 'extra']],
        ['/budgets/:id/adjustments', admin, 'employeeId', '%00', 'emp-a', { deltaMinor: 0 }, ['deltaMinor', 'idempotencyKey']],
        ['/customers/:id/redemptions', till, 'customerId', encodeURIComponent('bad id!'), 'cust-1', { redemptionId: key(), points: 0, channel: 'pos', storeId: store1, occurredAt: now(), tip: 1 }, ['points', 'tip']],
      ] as const) {
        const [both, anonymous, bodyOnly] = [await post(route.replace(':id', bad), body, bearer), await post(route.replace(':id', bad), body, null), await post(route.replace(':id', good), body, bearer)];
        answers.push({ route, both: { status: both.status, fields: Object.keys(fields(both)).sort(), idReason: fields(both)[idField] }, anonymous: anonymous.status, bodyOnly: { status: bodyOnly.status, fields: Object.keys(fields(bodyOnly)).sort() } });
        expected.push({ route, both: { status: 400, fields: [idField, ...bodyFields].sort(), idReason: expect.stringContaining(`${idField} must be`) }, anonymous: 401, bodyOnly: { status: 400, fields: [...bodyFields].sort() } });
      }
      expect(answers).toEqual(expected);
    });

    it('refuses a party id in a body in the same words as in the path, whatever the field', async () => {
      const rule = (field: string) => `${field} must be 1-64 letters, digits or _.:@- and start with a letter or digit`;
      const admin = await token('admin-1', ['admin'], null);
      expect((await get('/budgets/-emp-a', admin)).body.errors).toEqual([{ field: 'employeeId', reasons: [rule('employeeId')] }]);
      const res = await post('/gestures', gesture('emp-a', { customerId: '-cust', storeId: 'store 1' }), await token('emp-a', ['associate']));
      expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 400, errors: expect.arrayContaining([{ field: 'customerId', reasons: [rule('customerId')] }, { field: 'storeId', reasons: [rule('storeId')] }]) });
      const enrol = await post('/budgets', { employeeId: 'emp b', role: 'associate', storeId: store1, idempotencyKey: key() }, admin);
      expect(enrol.body.errors).toEqual([{ field: 'employeeId', reasons: [rule('employeeId')] }]);
    });

    it('still answers a well-formed id nobody has as before: 404 for a gesture or budget, an empty standing for a customer', async () => {
      const unknownGesture = await post('/gestures/emp-a~00000000-0000-4000-8000-000000000000/approve', {}, await token('sup-1', ['supervisor']));
      expect(unknownGesture.status).toBe(404);
      expect((await get('/budgets/nobody', await token('fin-1', ['finance'], null))).status).toBe(404);
      const customer = await get('/customers/nobody/loyalty', await token('crm-1', ['crm'], null));
      expect(customer).toEqual({ status: 200, body: expect.objectContaining({ customerId: 'nobody', balancePoints: 0 }) });
    });
  });

  describe('authentication and authorization', () => {
    it('refuses a request without a token, with a bad token, or with a token signed by another secret', async () => {
      expect((await post('/gestures', gesture('emp-a'), null)).status).toBe(401);
      expect((await post('/gestures', gesture('emp-a'), 'not.a.token')).status).toBe(401);
      const forged = await mintToken({ ...jwt, hs256Secret: 'another-secret-another-secret-another-1' }, { sub: 'emp-a', roles: ['associate'], store: store1 });
      expect((await post('/gestures', gesture('emp-a'), forged)).status).toBe(401);
    });

    it("forbids an associate from spending another employee's budget", async () => {
      const res = await post('/gestures', gesture('emp-b'), await token('emp-a', ['associate']));
      expect(res.status).toBe(403);
      expect(res.body.reason).toBe('another_employees_budget');
    });

    it('forbids a till from acting for an employee of another store', async () => {
      const res = await post('/gestures', gesture('emp-c', { storeId: store1 }), await token('till-12', ['pos-system'], store1));
      expect(res.status).toBe(403);
      expect(res.body.reason).toBe('till_of_another_store');
    });

    it('lets a till of the store act for its employees', async () => {
      const res = await post('/gestures', gesture('emp-a', { amountMinor: 100 }), await token('till-12', ['pos-system'], store1));
      expect(res.status).toBe(201);
    });

    it('forbids approving your own escalation, and approving without the role the policy names', async () => {
      const senior = await token('emp-s', ['senior_associate']);
      const own = await post('/gestures', gesture('emp-s', { amountMinor: 10_000 }), senior);
      expect(own.body.outcome).toBe('escalated');
      expect(own.body.approverRole).toBe('supervisor');
      const self = await post(`/gestures/${encodeURIComponent(own.body.gestureId)}/approve`, {}, await token('emp-s', ['supervisor']));
      expect(self.status).toBe(403);
      expect(self.body.reason).toBe('self_approval_forbidden');
      const associate = await post(`/gestures/${encodeURIComponent(own.body.gestureId)}/approve`, {}, await token('emp-a', ['associate']));
      expect(associate.status).toBe(403);
      const ok = await post(`/gestures/${encodeURIComponent(own.body.gestureId)}/deny`, { reasonCode: 'not_justified' }, await token('sup-1', ['supervisor']));
      expect(ok.status).toBe(200);
      expect(ok.body.status).toBe('denied');
    });

    it('forbids a supervisor of another store from deciding an escalation', async () => {
      const me = await token('emp-b', ['associate']);
      const esc = await post('/gestures', gesture('emp-b', { amountMinor: 3000, customerId: 'cust-9' }), me);
      const res = await post(`/gestures/${encodeURIComponent(esc.body.gestureId)}/approve`, {}, await token('sup-9', ['supervisor'], store2));
      expect(res.status).toBe(403);
    });

    it("lets an associate read only their own budget, a supervisor their store's, finance all", async () => {
      expect((await get('/budgets/emp-b', await token('emp-a', ['associate']))).status).toBe(403);
      expect((await get('/budgets/emp-b', await token('sup-1', ['supervisor']))).status).toBe(200);
      expect((await get('/budgets/emp-c', await token('sup-1', ['supervisor']))).status).toBe(403);
      expect((await get('/budgets/emp-c', await token('fin-1', ['finance'], null))).status).toBe(200);
    });

    it('forbids enrolment and top-ups by anyone but a manager of the store or an admin', async () => {
      expect((await post('/budgets', { employeeId: 'emp-x', role: 'manager', storeId: store1, idempotencyKey: 'x1' }, await token('sup-1', ['supervisor']))).status).toBe(403);
      expect((await post('/budgets', { employeeId: 'emp-x', role: 'associate', storeId: store1, idempotencyKey: 'x2' }, await token('mgr-2', ['manager'], store2))).status).toBe(403);
      expect((await post('/budgets/emp-a/adjustments', { deltaMinor: 5000, idempotencyKey: 'x3' }, await token('emp-a', ['associate']))).status).toBe(403);
    });
  });

  describe('who served the customer at a purchase or a redemption', () => {
    const buy = (customerId: string, over: Record<string, unknown> = {}) => ({ customerId, purchaseId: key(), amountMinor: 12_000, currency: 'USD', channel: 'pos', storeId: store1, occurredAt: now(), ...over });
    const spend = (over: Record<string, unknown> = {}) => ({ redemptionId: key(), points: 10, channel: 'pos', storeId: store1, occurredAt: now(), ...over });
    /** The `who` of each event of `type` in the customer's stream, as stored (with its schema version). */
    const whoOf = async (customerId: string, type: string) =>
      (await store.readStream(loyaltyStreamName(customerId))).filter((e) => e.type === type).map((e) => ({ schemaVersion: e.schemaVersion, who: (e.data as { who?: unknown }).who }));

    it('records the associate a till (or the CRM) names, of its own store, and the till as the caller; nobody when it names none', async () => {
      const till = await token('till-12', ['pos-system']);
      expect((await post('/purchases', buy('cust-served', { employeeId: 'emp-a' }), till)).status).toBe(200);
      expect((await post('/purchases', buy('cust-served'), till)).status).toBe(200);
      expect((await post('/customers/cust-served/redemptions', spend({ employeeId: 'emp-b' }), till)).status).toBe(200);
      expect((await post('/customers/cust-served/redemptions', spend({ employeeId: null }), till)).status).toBe(200);
      expect((await post('/purchases', buy('cust-served', { employeeId: 'emp-b' }), await token('crm-1', ['crm'], null))).status).toBe(200);
      expect(await whoOf('cust-served', 'PurchaseRecorded')).toEqual([
        { schemaVersion: 2, who: { employeeId: 'emp-a', actorId: 'till-12' } },
        { schemaVersion: 2, who: { employeeId: null, actorId: 'till-12' } },
        { schemaVersion: 2, who: { employeeId: 'emp-b', actorId: 'crm-1' } },
      ]);
      expect(await whoOf('cust-served', 'PointsRedeemed')).toEqual([
        { schemaVersion: 2, who: { employeeId: 'emp-b', actorId: 'till-12' } },
        { schemaVersion: 2, who: { employeeId: null, actorId: 'till-12' } },
      ]);
    });

    it('leaves purchases and redemptions to tills: staff naming themselves may not record one by hand', async () => {
      await post('/purchases', buy('cust-staff'), await token('till-12', ['pos-system']));
      const me = await token('emp-a', ['associate']);
      for (const res of [await post('/purchases', buy('cust-staff', { employeeId: 'emp-a' }), me), await post('/customers/cust-staff/redemptions', spend({ employeeId: 'emp-a' }), me)]) {
        expect([res.status, res.body.reason]).toEqual([403, 'role_not_allowed']);
      }
      expect(await whoOf('cust-staff', 'PurchaseRecorded')).toHaveLength(1);
      expect(await whoOf('cust-staff', 'PointsRedeemed')).toEqual([]);
    });

    it('forbids a till (or the CRM) to name an associate of another store or one without a budget, as for gestures', async () => {
      await post('/purchases', buy('cust-named'), await token('till-12', ['pos-system']));
      const cases = [
        [await token('till-12', ['pos-system']), 'emp-c', 'till_of_another_store'],
        [await token('till-12', ['pos-system']), 'nobody-here', 'employee_not_enrolled'],
        [await token('crm-1', ['crm'], null), 'emp-c', 'another_store'],
        [await token('crm-1', ['crm'], null), 'nobody-here', 'employee_not_enrolled'],
      ] as const;
      for (const [bearer, employeeId, reason] of cases) {
        const purchase = await post('/purchases', buy('cust-named', { employeeId }), bearer);
        const redemption = await post('/customers/cust-named/redemptions', spend({ employeeId }), bearer);
        expect({ employeeId, purchase: [purchase.status, purchase.body.reason], redemption: [redemption.status, redemption.body.reason] }).toEqual({ employeeId, purchase: [403, reason], redemption: [403, reason] });
      }
      expect(await whoOf('cust-named', 'PurchaseRecorded')).toHaveLength(1);
      expect(await whoOf('cust-named', 'PointsRedeemed')).toEqual([]);
    });

    it('answers a retry with the first outcome, and a retry naming another associate as a reused key', async () => {
      const till = await token('till-12', ['pos-system']);
      const purchase = buy('cust-retry', { employeeId: 'emp-a' });
      const first = await post('/purchases', purchase, till);
      expect(first.status).toBe(200);
      expect(await post('/purchases', purchase, await token('till-13', ['pos-system']))).toEqual(first);
      for (const employeeId of ['emp-b', null]) {
        const reused = await post('/purchases', { ...purchase, employeeId }, till);
        expect([reused.status, reused.body.reason]).toEqual([409, 'idempotency_key_reused']);
      }
      const redemption = spend({ employeeId: 'emp-a' });
      const redeemed = await post('/customers/cust-retry/redemptions', redemption, till);
      expect(redeemed.status).toBe(200);
      expect(await post('/customers/cust-retry/redemptions', redemption, till)).toEqual(redeemed);
      const reused = await post('/customers/cust-retry/redemptions', { ...redemption, employeeId: 'emp-b' }, till);
      expect([reused.status, reused.body.reason]).toEqual([409, 'idempotency_key_reused']);
      expect(await whoOf('cust-retry', 'PurchaseRecorded')).toHaveLength(1);
      expect(await whoOf('cust-retry', 'PointsRedeemed')).toHaveLength(1);
    });

    it('refuses a malformed employeeId with the field named', async () => {
      const res = await post('/purchases', buy('cust-bad', { employeeId: 'emp a' }), await token('till-12', ['pos-system']));
      expect({ status: res.status, errors: res.body.errors }).toEqual({ status: 400, errors: [{ field: 'employeeId', reasons: [expect.stringContaining('employeeId must be')] }] });
    });
  });

  describe('loyalty and documentation', () => {
    it('credits bonus points granted as a gesture to the customer, and records purchases', async () => {
      const me = await token('emp-a', ['associate']);
      const res = await post('/gestures', gesture('emp-a', { gestureType: 'bonus_loyalty_points', amountMinor: undefined, currency: undefined, points: 500, customerId: 'cust-loyal', reasonCode: 'loyal_customer' }), me);
      expect(res.body).toMatchObject({ outcome: 'granted', points: 500 });
      const purchase = await post('/purchases', { customerId: 'cust-loyal', purchaseId: 'r-1', amountMinor: 12_000, currency: 'USD', channel: 'pos', storeId: store1, occurredAt: now() }, await token('till-12', ['pos-system']));
      expect(purchase.status).toBe(200);
      const loyalty = await get('/customers/cust-loyal/loyalty', await token('crm-1', ['crm'], null));
      expect(loyalty.body).toMatchObject({ balancePoints: 620, tier: 'bronze' });
      const tillToken = await token('till-12', ['pos-system']);
      const redeem = (points: number, id: string) => post('/customers/cust-loyal/redemptions', { redemptionId: id, points, channel: 'pos', storeId: store1, occurredAt: now() }, tillToken);
      expect((await redeem(600, 'rd-1')).body).toMatchObject({ balancePoints: 20 });
      const tooMuch = await redeem(21, 'rd-2');
      expect(tooMuch.status).toBe(409);
      expect(tooMuch.body.reason).toBe('insufficient_points');
    });

    it("runs a customer's loyalty expiry for the CRM, and forbids it to tills and staff", async () => {
      const purchase = await post('/purchases', { customerId: 'cust-expiry', purchaseId: 'r-x1', amountMinor: 5_000, currency: 'USD', channel: 'pos', storeId: store1, occurredAt: now() }, await token('till-12', ['pos-system']));
      expect(purchase.status).toBe(200);
      // Bought today: nothing is due, so the answer is the customer's standing as it is.
      const expired = await post('/customers/cust-expiry/loyalty/expiry', {}, await token('crm-1', ['crm'], null));
      expect(expired.status).toBe(200);
      expect(expired.body).toEqual({ customerId: 'cust-expiry', balancePoints: 50, tier: 'bronze', pointsExpired: 0, tierChanged: null });
      for (const caller of [await token('till-12', ['pos-system']), await token('emp-a', ['associate']), await token('mgr-1', ['manager'])]) {
        const forbidden = await post('/customers/cust-expiry/loyalty/expiry', {}, caller);
        expect(forbidden.status).toBe(403);
      }
      expect((await post('/customers/cust-expiry/loyalty/expiry', {}, null)).status).toBe(401);
    });

    it('refuses a policy with a field it does not have, at any depth, or a body that is not one, naming each field', async () => {
      const admin = await token('admin-1', ['admin'], null);
      const current = (await get('/policy', admin)).body;
      const next = { ...structuredClone(current), version: current.version + 1 };
      const withExtras = structuredClone(next);
      withExtras.approvedBy = 'cfo';
      withExtras.roles.associate.extra = 1;
      withExtras.stores[store1].manager = 'mgr-1';
      withExtras.catalogue.gift.maxPerDay = 3;
      withExtras.loyalty.tiers[1].perks = [];
      withExtras.loyalty.currency = 'USD';
      const extras = await post('/policy', withExtras, admin);
      expect(extras.status).toBe(400);
      expect(extras.body).toMatchObject({ statusCode: 400, error: 'Bad Request', message: 'validation failed' });
      expect(extras.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(
        ['approvedBy', 'catalogue.gift.maxPerDay', 'loyalty.currency', 'loyalty.tiers[1].perks', 'roles.associate.extra', `stores.${store1}.manager`].sort(),
      );
      for (const body of [null, [next], 'policy', 42]) {
        const res = await post('/policy', body, admin);
        expect({ body, status: res.status, errors: res.body.errors }).toEqual({ body, status: 400, errors: [{ field: 'body', reasons: [expect.any(String)] }] });
      }
      const badValue = await post('/policy', { ...next, roles: { ...next.roles, associate: { ...next.roles.associate, period: 'year' } } }, admin);
      expect(badValue.status).toBe(400);
      expect(badValue.body.errors).toEqual([{ field: 'roles.associate.period', reasons: ['must be day, week or month'] }]);
      expect((await post('/policy', withExtras, await token('mgr-1', ['manager']))).status).toBe(403);
      expect((await get('/policy', admin)).body).toEqual(current);
    });

    it('answers a retried publish of the current policy as the first time, and writes nothing', async () => {
      const admin = await token('admin-1', ['admin'], null);
      const current = (await get('/policy', admin)).body;
      const again = await post('/policy', current, admin);
      expect({ status: again.status, body: again.body }).toEqual({ status: 200, body: { kind: 'published', version: current.version } });
      expect((await get('/policy', admin)).body).toEqual(current);
      const next = await post('/policy', { ...structuredClone(current), version: current.version + 2 }, admin);
      expect(next.body).toMatchObject({ reason: 'version_not_next' });
    });

    it('publishes for admins only, and refuses a version that drops a store its staff were enrolled at', async () => {
      const admin = await token('admin-1', ['admin'], null);
      const current = (await get('/policy', admin)).body;
      const next = { ...structuredClone(current), version: current.version + 1 };
      const callers = [
        await token('mgr-1', ['manager'], null),
        await token('sup-1', ['supervisor']),
        await token('till-12', ['pos-system']),
        await token('fin-1', ['finance'], null),
        await token('crm-1', ['crm'], null),
      ];
      for (const caller of callers) expect((await post('/policy', next, caller)).body).toMatchObject({ statusCode: 403, reason: 'admin_role_required' });
      expect((await post('/policy', next, null)).status).toBe(401);
      const withoutStore2 = structuredClone(next);
      delete withoutStore2.stores[store2];
      const dropped = await post('/policy', withoutStore2, admin);
      expect({ status: dropped.status, reason: dropped.body.reason, details: dropped.body.details }).toEqual({ status: 409, reason: 'store_removed', details: [expect.stringContaining(`stores.${store2} `)] });
      expect((await get('/policy', admin)).body).toEqual(current);
    });

    it('serves an OpenAPI document that says what the server answers', async () => {
      const res = await get('/docs-json');
      expect(res.status).toBe(200);
      const doc = res.body;
      for (const path of ['/gestures', '/gestures/batch', '/gestures/{gestureId}/approve', '/gestures/{gestureId}/deny', '/gestures/{gestureId}/reverse', '/purchases', '/feedback', '/customers/{customerId}/loyalty/expiry', '/budgets', '/policy']) {
        expect(Object.keys(doc.paths)).toContain(path);
      }
      const schemas = doc.components.schemas;
      const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
      const answer = (path: string, method: string, status: string) => doc.paths[path][method].responses[status]?.content?.['application/json']?.schema;
      expect(schemas.RequestGestureDto.required).toEqual(expect.arrayContaining(['employeeId', 'customerId', 'gestureType', 'channel', 'occurredAt', 'idempotencyKey']));

      // POST /gestures answers 201, documented as such, with the outcome's every field typed.
      expect(Object.keys(doc.paths['/gestures'].post.responses)).not.toContain('200');
      expect(answer('/gestures', 'post', '201')).toEqual(ref('GestureOutcomeDto'));
      const outcome = schemas.GestureOutcomeDto.properties;
      expect(outcome.periodKey).toMatchObject({ type: 'string', nullable: true });
      expect(outcome.points).toMatchObject({ type: 'integer', nullable: true });
      expect(outcome.expiresAt).toMatchObject({ type: 'string', format: 'date-time' });
      expect(outcome.cost.allOf ?? [outcome.cost]).toContainEqual(ref('MoneyDto'));
      expect(outcome.reserved.allOf ?? [outcome.reserved]).toContainEqual(ref('MoneyDto'));
      expect(schemas.MoneyDto.properties).toMatchObject({ amountMinor: { type: 'integer' }, currency: { type: 'string' } });
      expect(schemas.RequestGestureDto.properties).toMatchObject({ amountMinor: { type: 'integer' }, points: { type: 'integer' }, occurredAt: { type: 'string', format: 'date-time' } });
      expect(schemas.ApproveGestureDto.properties.approvedAmountMinor).toMatchObject({ type: 'integer', minimum: 1, nullable: true });

      // Every operation answers a typed body on success, and documents its errors with the error shape.
      expect(answer('/gestures/batch', 'post', '200')).toEqual(ref('GestureBatchAnswerDto'));
      expect(answer('/budgets/{employeeId}', 'get', '200')).toEqual(ref('BudgetViewDto'));
      expect(answer('/customers/{customerId}/loyalty', 'get', '200')).toEqual(ref('LoyaltySummaryDto'));
      expect(answer('/customers/{customerId}/loyalty/expiry', 'post', '200')).toEqual(ref('LoyaltyExpiryDto'));
      expect(answer('/policy', 'get', '200')).toEqual(ref('PolicyDto'));
      expect(doc.paths['/policy'].post.requestBody.content['application/json'].schema).toEqual(ref('PolicyDto'));
      expect(schemas.PolicyDto.properties.roles.properties.manager).toEqual({ allOf: [ref('RoleRuleDto')] });
      expect(schemas.RoleRuleDto.properties.allowanceMinor).toMatchObject({ type: 'integer' });
      for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>>)) {
        if (!['/gestures', '/budgets', '/purchases', '/feedback', '/policy'].some((prefix) => path.startsWith(prefix)) && !path.startsWith('/customers')) continue;
        for (const [method, operation] of Object.entries(operations)) {
          const success = Object.keys(operation.responses).filter((status) => status.startsWith('2'));
          expect({ path, method, success: success.map((status) => Boolean(operation.responses[status]!.content?.['application/json']?.schema)) }).toEqual({ path, method, success: [true] });
          expect({ path, method, unauthorized: answer(path, method, '401') }).toEqual({ path, method, unauthorized: ref('ErrorBodyDto') });
        }
      }
      for (const status of ['400', '401', '403', '409', '413']) expect(answer('/gestures', 'post', status)).toEqual(ref('ErrorBodyDto'));
      // Every route that takes a body says it refuses one that is not JSON (415), as it does.
      for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, { requestBody?: unknown; responses: Record<string, unknown> }>>)) {
        for (const [method, operation] of Object.entries(operations)) if (operation.requestBody) expect({ path, method, unsupported: answer(path, method, '415') }).toEqual({ path, method, unsupported: ref('ErrorBodyDto') });
      }
      // Path ids are described once each, with the pattern the server checks (a generated client refuses
      // locally what would be a 400), and the 400 a malformed one gets is documented.
      const gestureId = gestureIdFor('emp-7', 'till-1:42');
      for (const [path, method, name, good] of [
        ['/gestures/{gestureId}/approve', 'post', 'gestureId', gestureId],
        ['/gestures/{gestureId}/deny', 'post', 'gestureId', gestureId],
        ['/gestures/{gestureId}/reverse', 'post', 'gestureId', gestureId],
        ['/budgets/{employeeId}', 'get', 'employeeId', 'emp-7'],
        ['/budgets/{employeeId}/adjustments', 'post', 'employeeId', 'emp-7'],
        ['/customers/{customerId}/redemptions', 'post', 'customerId', 'cust-1'],
        ['/customers/{customerId}/loyalty/expiry', 'post', 'customerId', 'cust-1'],
        ['/customers/{customerId}/loyalty', 'get', 'customerId', 'cust-1'],
      ] as const) {
        const parameters = doc.paths[path][method].parameters;
        expect({ path, parameters, bad: answer(path, method, '400') }).toEqual({ path, parameters: [expect.objectContaining({ name, in: 'path', required: true, schema: { type: 'string', pattern: expect.any(String) } })], bad: ref('ErrorBodyDto') });
        const pattern = new RegExp(parameters[0].schema.pattern);
        expect({ path, accepts: pattern.test(good), refuses: ['', 'emp 7', `${good}~`, '-emp'].filter((bad) => pattern.test(bad)) }).toEqual({ path, accepts: true, refuses: [] });
      }
      expect(schemas.ErrorBodyDto.properties.errors).toMatchObject({ type: 'array', items: ref('FieldErrorDto') });
    });

    it('describes the bodies the server really answers, nulls included, as a validating client reads the document', async () => {
      const doc = (await get('/docs-json')).body;
      // OpenAPI 3.0 reads `nullable` as adding null to `type` only: an enum must list null itself.
      const ajv = (addFormatsModule as unknown as (ajv: Ajv) => Ajv)(new Ajv({ allErrors: true, strict: false }));
      ajv.addSchema({ $id: 'doc', components: doc.components });
      const conforms = (method: string, path: string, res: { status: number; body: unknown }) => {
        const schema = doc.paths[path][method].responses[res.status]?.content?.['application/json']?.schema;
        const validate = ajv.compile(JSON.parse(JSON.stringify(schema ?? false).replaceAll('"#/components/', '"doc#/components/')));
        return { method, path, status: res.status, problems: validate(res.body) ? [] : validate.errors };
      };
      const answers = [
        ['get', '/customers/{customerId}/loyalty', await get('/customers/cust-never-seen/loyalty', await token('crm-1', ['crm'], null))],
        ['post', '/customers/{customerId}/loyalty/expiry', await post('/customers/cust-never-seen/loyalty/expiry', {}, await token('crm-1', ['crm'], null))],
        ['get', '/policy', await get('/policy', await token('admin-1', ['admin'], null))],
        ['post', '/gestures', await post('/gestures', gesture('emp-a', { gestureType: 'cash_payout', reasonCode: 'claim_settlement' }), await token('emp-a', ['associate']))],
        ['post', '/gestures', await post('/gestures', gesture('emp-a', { amountMinor: -1 }), await token('emp-a', ['associate']))],
        ['post', '/gestures/batch', await post('/gestures/batch', { items: [gesture('emp-a', { amountMinor: 100 }), { ...gesture('emp-a'), amountMinor: -5 }, gesture('emp-c')] }, await token('till-12', ['pos-system']))],
        ['get', '/budgets/{employeeId}', await get('/budgets/emp-a', await token('emp-a', ['associate']))],
        ['post', '/feedback', await post('/feedback', { customerId: 'cust-1', feedbackId: key(), kind: 'complaint', gestureId: `emp-nobody~${randomUUID()}`, occurredAt: now() }, await token('crm-1', ['crm'], null))],
      ] as const;
      expect(answers.map(([, , res]) => res.status)).toContain(404);
      expect(answers.map(([method, path, res]) => conforms(method, path, res))).toEqual(answers.map(([method, path, res]) => ({ method, path, status: res.status, problems: [] })));
    });
  });
});
