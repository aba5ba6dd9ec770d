import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { CallerRole } from '#auth';
import { samplePolicy, type GestureType, type StaffRole } from '#domain';
import { createEmbeddedEventStore, createPgliteDriver, createPostgresDriver, type EventStore, type RecordedEvent, type SqlDriver } from '#event-store';
import { GestureLedger, type RequestContext, type Result } from '#ledger';
import { withBackend } from '../../../event-store/src/testing/infra.js';
import { applyInBatches, createProjectionSchema, readWholeLog } from '../finance/testing/project-log.js';
import { coreProjections } from '../registry.js';
import { rebuildReadModels } from '../runtime/rebuild.js';
import { dumpSchema } from '../testing/dump-schema.js';
import { ReadModels } from './read-models.js';

const nyc = 'nyc-fifth-ave';
const at = (iso: string) => new Date(iso);

/**
 * One log written through the real `GestureLedger` with a hand-moved clock (New York, UTC−5 in November):
 * a supervisor re-enrolled as an associate on a Wednesday, an escalation left to expire with no expiry job,
 * feedback uploaded late, and purchases either side of a month end that New York and UTC see differently.
 */
interface ReadModelsLog {
  store: EventStore;
  events: RecordedEvent[];
  /** Events before the loyalty expiry run of 2026-12-01T12:10Z (December in every store of the sample policy). */
  beforeExpiryRun: number;
  escalatedGestureId: string;
  /** The tier change the expiry run made, as the domain decided it. */
  expiryTierChange: { to: string; rolling12mSpendMinor: number; asOfMonth: string };
  /** The period the ledger would charge a gesture of the employee given at `iso` (its clock moved there). */
  ledgerCurrent(employeeId: string, iso: string): Promise<{ periodKey: string; allowanceMinor: number; spentMinor: number; reservedMinor: number; remainingMinor: number }>;
}

async function writeLog(): Promise<ReadModelsLog> {
  const store = await createEmbeddedEventStore({ dataDir: 'memory://' });
  let now = at('2026-11-25T14:00:00.000Z');
  const ledger = new GestureLedger(store, { clock: () => now });
  await ledger.start(samplePolicy());
  const ctx = (subject: string, roles: CallerRole[], storeId: string | null = nyc): RequestContext => ({ principal: { subject, roles, storeId }, correlationId: 'read-models' });
  const admin = ctx('admin-1', ['admin'], null);
  const till = ctx('till-1', ['pos-system']);
  const crm = ctx('crm-1', ['crm'], null);
  const enrol = async (employeeId: string, role: StaffRole, key: string, allowanceOverrideMinor: number | null = null) =>
    ok(await ledger.allocateBudget({ employeeId, role, storeId: nyc, allowanceOverrideMinor, idempotencyKey: key }, admin));
  const gesture = async (employeeId: string, role: StaffRole, amountMinor: number, key: string, customerId = 'c-1', occurredAt = now.toISOString()) =>
    ok(
      await ledger.requestGesture(
        { employeeId, customerId, gestureType: 'goodwill_credit', amountMinor, currency: 'USD', channel: 'pos', storeId: nyc, reasonCode: 'service_failure', note: 'made it right', occurredAt, idempotencyKey: key },
        // Only a till uploads gestures given long before (its offline queue); staff record theirs as they happen.
        occurredAt === now.toISOString() ? ctx(employeeId, [role]) : till,
      ),
    );
  const purchase = async (purchaseId: string, amountMinor: number, occurredAt: string, customerId = 'c-spend') =>
    ok(await ledger.recordPurchase({ customerId, purchaseId, amountMinor, currency: 'USD', channel: 'pos', storeId: nyc, occurredAt }, till));

  for (const employeeId of ['sue', 'sam']) await enrol(employeeId, 'supervisor', `enrol-${employeeId}`);
  await enrol('ana', 'associate', 'enrol-ana');
  // Trusted with more than the role's allowance, and nothing given yet.
  await enrol('ivy', 'associate', 'enrol-ivy', 12_345);
  now = at('2026-11-25T15:00:00.000Z');
  for (const employeeId of ['sue', 'sam']) await gesture(employeeId, 'supervisor', 1_000, `${employeeId}-week`);
  now = at('2026-11-25T16:00:00.000Z');
  for (const employeeId of ['sue', 'sam']) await enrol(employeeId, 'associate', `re-enrol-${employeeId}`);
  now = at('2026-11-25T17:00:00.000Z');
  for (const employeeId of ['sue', 'sam']) await gesture(employeeId, 'associate', 500, `${employeeId}-day`);

  now = at('2026-11-25T18:00:00.000Z');
  const escalated = await gesture('ana', 'associate', 4_000, 'ana-escalated', 'c-esc');
  expect(escalated).toMatchObject({ outcome: 'escalated' });

  // An offline till's upload: given on 25 October, recorded a month later; and one given now.
  now = at('2026-11-25T18:45:00.000Z');
  await enrol('ada', 'associate', 'enrol-ada');
  await gesture('ada', 'associate', 700, 'ada-offline', 'c-late', '2026-10-25T12:00:00-04:00');
  await gesture('ada', 'associate', 300, 'ada-today', 'c-late');

  now = at('2026-11-25T19:00:00.000Z');
  ok(await ledger.recordFeedback({ customerId: 'c-fb', feedbackId: 'f-new', kind: 'csat', score: 5, occurredAt: now.toISOString() }, crm));
  now = at('2026-11-25T20:00:00.000Z');
  ok(await ledger.recordFeedback({ customerId: 'c-fb', feedbackId: 'f-old', kind: 'complaint', score: null, occurredAt: '2026-11-20T12:00:00-05:00' }, till));

  // Spend in the domain's buckets (the store's months of the purchases): 2025-12 40,000; 2026-11 15,000; 2026-10 10,000.
  now = at('2026-11-25T21:00:00.000Z');
  await purchase('p-dec', 40_000, '2025-12-15T12:00:00-05:00');
  now = at('2026-11-25T21:05:00.000Z');
  await purchase('p-nov', 15_000, now.toISOString());
  now = at('2026-11-29T17:00:00.000Z');
  await gesture('sam', 'associate', 500, 'sam-sunday');
  // Two clocks' ways of writing an instant: the later purchase (01:00Z) reads earlier as text.
  await purchase('p-local', 2_000, '2026-11-28T20:00:00-05:00', 'c-two');
  await purchase('p-utc', 3_000, '2026-11-29T00:30:00.000Z', 'c-two');
  // Recorded at 22:00 on 30 November in New York, already December in UTC; a late upload from October.
  now = at('2026-12-01T03:00:00.000Z');
  await purchase('p-oct', 10_000, '2026-10-31T12:00:00-04:00');
  const beforeExpiryRun = (await readWholeLog(store)).length;

  now = at('2026-12-01T12:10:00.000Z');
  const expiry = ok(await ledger.expireLoyalty('c-spend', crm));
  const events = await readWholeLog(store);
  const tierChanged = events.slice(beforeExpiryRun).find((e) => e.type === 'TierChanged');
  expect({ expiry: expiry.tierChanged, found: tierChanged !== undefined }).toEqual({ expiry: { from: 'silver', to: 'bronze' }, found: true });
  const { to, rolling12mSpendMinor, asOfMonth } = tierChanged!.data as { to: string; rolling12mSpendMinor: number; asOfMonth: string };
  const ledgerCurrent = async (employeeId: string, iso: string) => {
    now = at(iso);
    return ok(await ledger.budget(employeeId, admin.principal)).current;
  };
  return { store, events, beforeExpiryRun, escalatedGestureId: escalated.gestureId, expiryTierChange: { to, rolling12mSpendMinor, asOfMonth }, ledgerCurrent };
}

function ok<T>(result: Result<T>): T {
  if (result.kind !== 'ok') throw new Error(`step failed: ${JSON.stringify(result)}`);
  return result.value;
}

function readModelsSuite(name: string, open: () => Promise<SqlDriver>) {
  describe(`read models (${name})`, () => {
    let log: ReadModelsLog;
    let db: SqlDriver;
    let reads: ReadModels;
    const schema = `rm_reads_${process.pid}_${Date.now() % 100_000}_${name.replace(/\W/g, '')}`.toLowerCase();
    const others: string[] = [];
    const project = async (target: string, events: readonly RecordedEvent[], batchSize: number) => {
      others.push(target);
      await createProjectionSchema(db, target, coreProjections);
      await applyInBatches(db, target, coreProjections, events, batchSize);
      return new ReadModels(db, { schema: target });
    };
    const employee = async (id: string) => (await reads.employee(id))!;

    beforeAll(async () => {
      log = await writeLog();
      db = await open();
      reads = await project(schema, log.events, 1);
    }, 60_000);

    afterAll(async () => {
      for (const s of others) await db?.exec(`drop schema if exists ${s} cascade`).catch(() => undefined);
      await db?.close();
      await log?.store.close();
    });

    it('folds the same in one batch, event by event, and through the bulk rebuild', async () => {
      const tables = async (s: string) => {
        const { projector_checkpoint: _checkpoint, ...rest } = await dumpSchema(db, s);
        return rest;
      };
      const expected = await tables(schema);
      await project(`${schema}_one`, log.events, 10_000);
      expect(await tables(`${schema}_one`)).toEqual(expected);
      const bulk = `${schema}_bulk`;
      others.push(bulk);
      await rebuildReadModels({ store: log.store, db, projections: coreProjections, liveSchema: bulk, bulkBatchSize: 7 });
      expect(await tables(bulk)).toEqual(expected);
    }, 60_000);

    describe('current budget period after a change of role', () => {
      it("is today's day, not the week the supervisor role left behind", async () => {
        const sue = await employee('sue');
        expect(sue.role).toBe('associate');
        expect((await reads.budget(sue, null, at('2026-11-25T17:30:00.000Z'))).period).toMatchObject({ periodKey: '2026-11-25', kind: 'day', spentMinor: 500 });
      });

      it('is the current one as the ledger would open it when it has no activity yet: its whole allowance, nothing spent', async () => {
        const { period } = await reads.budget(await employee('sue'), null, at('2026-11-26T15:00:00.000Z'));
        const ledger = await log.ledgerCurrent('sue', '2026-11-26T15:00:00.000Z');
        expect(ledger).toMatchObject({ periodKey: '2026-11-26', spentMinor: 0, reservedMinor: 0 });
        expect(ledger.allowanceMinor).toBe(samplePolicy().roles.associate.allowanceMinor);
        expect(period).toEqual({
          ...ledger,
          kind: 'day',
          endsOn: '2026-11-26',
          currency: 'USD',
          pendingEscalations: 0,
          gesturesByType: [],
          escalationsPending: [],
        });
        // The day with activity is still there when named.
        expect((await reads.budget(await employee('sue'), '2026-11-25', at('2026-11-26T15:00:00.000Z'))).period).toMatchObject({ periodKey: '2026-11-25', spentMinor: 500 });
      });

      it("holds the employee's own allowance when they have one", async () => {
        const { period } = await reads.budget(await employee('ivy'), null, at('2026-11-27T15:00:00.000Z'));
        const ledger = await log.ledgerCurrent('ivy', '2026-11-27T15:00:00.000Z');
        expect(ledger).toMatchObject({ periodKey: '2026-11-27', allowanceMinor: 12_345, remainingMinor: 12_345 });
        expect(period).toMatchObject(ledger);
      });

      it('agrees with the ledger on the current period when it has activity', async () => {
        const { period } = await reads.budget(await employee('sam'), null, at('2026-11-29T18:00:00.000Z'));
        const ledger = await log.ledgerCurrent('sam', '2026-11-29T18:00:00.000Z');
        expect(ledger.spentMinor).toBe(500);
        expect(period).toMatchObject(ledger);
      });

      it('is the one containing now, even when another was touched later', async () => {
        const sam = await employee('sam');
        expect((await reads.budget(sam, null, at('2026-11-25T20:00:00.000Z'))).period?.periodKey).toBe('2026-11-25');
        expect((await reads.budget(sam, null, at('2026-11-29T20:00:00.000Z'))).period).toMatchObject({ periodKey: '2026-11-29', spentMinor: 500 });
      });
    });

    it("is the day a gesture made now would be charged to after a policy version moved the store to another time zone", async () => {
      // 05:30Z is the 26th in New York: charged there. Then New York's store moves to Los Angeles' zone, and at
      // 06:30Z (22:30 on the 25th there) the next gesture is charged to the 25th: that is the day at 06:45Z too.
      const moved = await createEmbeddedEventStore({ dataDir: 'memory://' });
      let now = at('2026-11-26T05:00:00.000Z');
      const ledger = new GestureLedger(moved, { clock: () => now });
      await ledger.start(samplePolicy());
      const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'tz-move' };
      ok(await ledger.allocateBudget({ employeeId: 'leo', role: 'associate', storeId: nyc, idempotencyKey: 'enrol-leo' }, admin));
      const gesture = async (key: string) =>
        ok(await ledger.requestGesture({ employeeId: 'leo', customerId: 'c-1', gestureType: 'goodwill_credit', amountMinor: 100, currency: 'USD', channel: 'pos', storeId: nyc, reasonCode: 'service_failure', note: 'made it right', occurredAt: now.toISOString(), idempotencyKey: key }, { principal: { subject: 'leo', roles: ['associate'], storeId: nyc }, correlationId: 'tz-move' }));
      now = at('2026-11-26T05:30:00.000Z');
      await gesture('leo-ny');
      const v1 = samplePolicy();
      const v2 = { ...v1, version: 2, stores: { ...v1.stores, [nyc]: { ...v1.stores[nyc]!, timeZone: 'America/Los_Angeles' } } };
      expect(await ledger.policies.publish(v2, 'admin-1', { correlationId: 'tz-move', causationId: null, actor: 'admin-1', recordedAt: now.toISOString() })).toEqual({ kind: 'published', version: 2 });
      now = at('2026-11-26T06:30:00.000Z');
      await gesture('leo-la');
      const events = await readWholeLog(moved);
      await moved.close();
      const target = `${schema}_tz`;
      const movedReads = await project(target, events, 1);
      const leo = (await movedReads.employee('leo'))!;
      expect((await movedReads.budget(leo, null, at('2026-11-26T06:45:00.000Z'))).period).toMatchObject({ periodKey: '2026-11-25', spentMinor: 100 });
    }, 60_000);

    it('pages periods ending the same day without passing over one', async () => {
      // On a day with activity: no period without it joins the list.
      const now = at('2026-11-29T20:00:00.000Z');
      const sam = await employee('sam');
      const all = await reads.budgetPeriods(sam, { limit: 10, before: null }, now);
      expect(all.map((p) => [p.periodKey, p.endsOn])).toEqual([
        ['2026-W48', '2026-11-29'],
        ['2026-11-29', '2026-11-29'],
        ['2026-11-25', '2026-11-25'],
      ]);
      const paged: string[] = [];
      let cursor: { before: string | null; beforePeriod: string | null } = { before: null, beforePeriod: null };
      for (let pages = 0; pages < 10; pages++) {
        const [period, ...rest] = await reads.budgetPeriods(sam, { limit: 1, ...cursor }, now);
        expect(rest).toEqual([]);
        if (!period) break;
        paged.push(period.periodKey);
        cursor = { before: period.endsOn, beforePeriod: period.periodKey };
      }
      expect(paged).toEqual(all.map((p) => p.periodKey));
      // The older cursor, the end date alone, still means "ending before it".
      expect((await reads.budgetPeriods(sam, { limit: 10, before: '2026-11-29' }, now)).map((p) => p.periodKey)).toEqual(['2026-11-25']);
    });

    it('lists the current period before its first gesture, in its place on every page', async () => {
      // The 30th, a Monday: nothing given yet today, the supervisor's week W48 ended yesterday.
      const now = at('2026-11-30T15:00:00.000Z');
      const sam = await employee('sam');
      const { period: today } = await reads.budget(sam, null, now);
      const all = await reads.budgetPeriods(sam, { limit: 10, before: null }, now);
      expect(all.map((p) => p.periodKey)).toEqual(['2026-11-30', '2026-W48', '2026-11-29', '2026-11-25']);
      expect(all[0]).toEqual(today);
      for (const limit of [1, 2, 3]) {
        const paged: string[] = [];
        let cursor: { before: string | null; beforePeriod: string | null } = { before: null, beforePeriod: null };
        for (let pages = 0; pages < 10; pages++) {
          const page = await reads.budgetPeriods(sam, { limit, ...cursor }, now);
          expect(page.length).toBeLessThanOrEqual(limit);
          if (page.length === 0) break;
          paged.push(...page.map((p) => p.periodKey));
          const last = page[page.length - 1]!;
          cursor = { before: last.endsOn, beforePeriod: last.periodKey };
        }
        expect(paged).toEqual(all.map((p) => p.periodKey));
      }
      // Past the cursor it is not listed again.
      expect((await reads.budgetPeriods(sam, { limit: 10, before: '2026-11-30', beforePeriod: '2026-11-30' }, now)).map((p) => p.periodKey)).toEqual(['2026-W48', '2026-11-29', '2026-11-25']);
    });

    describe('an escalation past its expiry, not yet recorded expired', () => {
      const approver = { employeeId: 'boss', role: 'supervisor' as const, storeId: nyc };
      const beforeExpiry = at('2026-11-25T18:30:00.000Z');
      const afterExpiry = at('2026-11-25T18:30:00.001Z');

      it("leaves the supervisor's queue, the customer's open escalations and the budget's pending list", async () => {
        expect((await reads.supervisorQueue(approver, 50, beforeExpiry)).map((i) => i.gestureId)).toEqual([log.escalatedGestureId]);
        expect((await reads.customer360('c-esc', beforeExpiry))!.openEscalations.map((e) => e.gestureId)).toEqual([log.escalatedGestureId]);
        expect((await reads.budget(await employee('ana'), null, beforeExpiry)).period!.escalationsPending).toHaveLength(1);

        expect(await reads.supervisorQueue(approver, 50, afterExpiry)).toEqual([]);
        expect((await reads.customer360('c-esc', afterExpiry))!.openEscalations).toEqual([]);
        expect((await reads.budget(await employee('ana'), null, afterExpiry)).period!.escalationsPending).toEqual([]);
      });

      it('still counts its reservation until EscalationExpired releases it', async () => {
        expect((await reads.budget(await employee('ana'), null, afterExpiry)).period).toMatchObject({ reservedMinor: 4_000, pendingEscalations: 1, remainingMinor: 16_000 });
      });
    });

    it('shows the feedback given last, not the one uploaded last', async () => {
      expect((await reads.customer360('c-fb', at('2026-11-26T00:00:00.000Z')))!.lastFeedback).toMatchObject({ feedbackId: 'f-new', kind: 'csat' });
    });

    it("counts gestures received in the 30/90/365-day windows by when they were given, not when a till uploaded them", async () => {
      const view = (await reads.customer360('c-late', at('2026-11-26T00:00:00.000Z')))!;
      expect(view.gesturesReceived.total).toEqual({ count30d: 1, count90d: 2, count365d: 2 });
      expect(view.gesturesReceived.byCurrency).toEqual([{ currency: 'USD', count30d: 1, value30dMinor: 300, count90d: 2, value90dMinor: 1_000, count365d: 2, value365dMinor: 1_000 }]);
    });

    it('never adds up the values of gestures received in different currencies, after a policy version changed the currency', async () => {
      const changed = await createEmbeddedEventStore({ dataDir: 'memory://' });
      let now = at('2026-11-26T15:00:00.000Z');
      const ledger = new GestureLedger(changed, { clock: () => now });
      await ledger.start(samplePolicy());
      const admin: RequestContext = { principal: { subject: 'admin-1', roles: ['admin'], storeId: null }, correlationId: 'currency-change' };
      const enrol = async (employeeId: string) => ok(await ledger.allocateBudget({ employeeId, role: 'associate', storeId: nyc, idempotencyKey: `enrol-${employeeId}` }, admin));
      const gesture = async (employeeId: string, gestureType: GestureType, amountMinor: number, currency: string) =>
        ok(await ledger.requestGesture({ employeeId, customerId: 'c-abroad', gestureType, amountMinor, currency, channel: 'pos', storeId: nyc, reasonCode: 'service_failure', note: 'made it right', occurredAt: now.toISOString(), idempotencyKey: `${employeeId}-${gestureType}` }, { principal: { subject: employeeId, roles: ['associate'], storeId: nyc }, correlationId: 'currency-change' }));
      await enrol('leo');
      await gesture('leo', 'goodwill_credit', 1_000, 'USD');
      now = at('2026-11-26T16:00:00.000Z');
      const v2 = { ...samplePolicy(), version: 2, currency: 'EUR' };
      expect(await ledger.policies.publish(v2, 'admin-1', { correlationId: 'currency-change', causationId: null, actor: 'admin-1', recordedAt: now.toISOString() })).toEqual({ kind: 'published', version: 2 });
      await enrol('mia');
      await gesture('mia', 'goodwill_credit', 800, 'EUR');
      await gesture('mia', 'fee_waiver', 300, 'EUR');
      const events = await readWholeLog(changed);
      await changed.close();
      const view = (await (await project(`${schema}_currency`, events, 1)).customer360('c-abroad', at('2026-11-27T00:00:00.000Z')))!;
      const windows = (currency: string, count: number, valueMinor: number) => ({ currency, count30d: count, value30dMinor: valueMinor, count90d: count, value90dMinor: valueMinor, count365d: count, value365dMinor: valueMinor });
      expect(view.gesturesReceived).toEqual({
        total: { count30d: 3, count90d: 3, count365d: 3 },
        byCurrency: [windows('EUR', 2, 1_100), windows('USD', 1, 1_000)],
        byType: [
          { gestureType: 'fee_waiver', ...windows('EUR', 1, 300) },
          { gestureType: 'goodwill_credit', ...windows('EUR', 1, 800) },
          { gestureType: 'goodwill_credit', ...windows('USD', 1, 1_000) },
        ],
      });
    }, 60_000);

    it('shows the purchase made last, however its instant was written, also when both come in one batch', async () => {
      const oneBatch = await project(`${schema}_purchases`, log.events, 10_000);
      for (const models of [reads, oneBatch]) {
        const view = (await models.customer360('c-two', at('2026-11-30T00:00:00.000Z')))!;
        expect({ lastPurchaseAt: view.lastPurchaseAt && new Date(view.lastPurchaseAt).toISOString(), purchases: view.purchases }).toEqual({ lastPurchaseAt: '2026-11-29T01:00:00.000Z', purchases: 2 });
      }
    });

    describe("a customer's twelve months' spend", () => {
      it("is what the domain last re-tiered from: a purchase's store month, however the UTC month reads", async () => {
        const before = await project(`${schema}_before`, log.events.slice(0, log.beforeExpiryRun), 1);
        const view = (await before.customer360('c-spend', at('2026-12-01T03:05:00.000Z')))!;
        // New York's November 2026 and the eleven months before: 40,000 + 15,000 + 10,000; silver from 50,000.
        expect(view).toMatchObject({ tier: 'silver', spend12mAsOfMonth: '2026-11', spend12mMinor: 65_000, lifetimeSpendMinor: 65_000 });
      });

      it("is what the domain last re-tiered from: the month every store had reached at an expiry run", async () => {
        const view = (await reads.customer360('c-spend', at('2026-12-01T12:15:00.000Z')))!;
        expect(view).toMatchObject({ tier: log.expiryTierChange.to, spend12mAsOfMonth: log.expiryTierChange.asOfMonth, spend12mMinor: log.expiryTierChange.rolling12mSpendMinor });
        expect(view).toMatchObject({ tier: 'bronze', spend12mAsOfMonth: '2026-12', spend12mMinor: 25_000 });
      });

      it('is never as of a month before the latest month with spend, as the domain re-tiers: a store still in the month before does not take it back', async () => {
        const zones = await createEmbeddedEventStore({ dataDir: 'memory://' });
        let now = at('2026-12-01T02:00:00.000Z');
        const ledger = new GestureLedger(zones, { clock: () => now });
        await ledger.start(samplePolicy());
        const buy = async (storeId: string, purchaseId: string, amountMinor: number) =>
          ok(await ledger.recordPurchase({ customerId: 'c-zones', purchaseId, amountMinor, currency: 'USD', channel: 'pos', storeId, occurredAt: now.toISOString() }, { principal: { subject: `till-${storeId}`, roles: ['pos-system'], storeId }, correlationId: 'zones' }));
        // December 1st online (UTC): silver as of 2026-12. An hour later Honolulu's till, still on November 30th,
        // sells more: the tier stays (no TierChanged), re-tiered as of 2026-12 all the same.
        await buy('web-support', 'p-online', 60_000);
        now = at('2026-12-01T03:00:00.000Z');
        await buy('honolulu-resort-hotel', 'p-hawaii', 5_000);
        const events = await readWholeLog(zones);
        await zones.close();
        for (const batchSize of [1, 100]) {
          const view = (await (await project(`${schema}_zones_${batchSize}`, events, batchSize)).customer360('c-zones', at('2026-12-01T04:00:00.000Z')))!;
          expect(view).toMatchObject({ tier: 'silver', spend12mAsOfMonth: '2026-12', spend12mMinor: 65_000, lifetimeSpendMinor: 65_000 });
        }
      }, 60_000);
    });
  });
}

readModelsSuite('PGlite', async () => createPgliteDriver({ dataDir: 'memory://' }));

withBackend('DATABASE_URL', 'read models on PostgreSQL', (url) => {
  readModelsSuite('PostgreSQL', async () => createPostgresDriver({ connectionString: url, poolSize: 2 }));
});
