import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { budgetStreamName, limits, samplePolicy } from '#domain';
import { createEmbeddedEventStore, createPostgresEventStore, EventIdConflictError, type EventStore } from '#event-store';
import { withBackend } from '../../event-store/src/testing/infra.js';
import { GestureLedger, type RequestContext, type RequestGestureInput } from './gesture-ledger.js';
import { silentObserver } from './ledger-observer.js';
import { gestureIdFor } from './gesture-ids.js';

const store_ = 'nyc-fifth-ave';
const admin: RequestContext = { principal: { subject: 'admin', roles: ['admin'], storeId: null }, correlationId: 't' };
const till: RequestContext = { principal: { subject: 'till', roles: ['pos-system'], storeId: store_ }, correlationId: 't' };
const supervisor: RequestContext = { principal: { subject: 'sup-1', roles: ['supervisor'], storeId: store_ }, correlationId: 't' };

describe('GestureLedger', () => {
  let store: EventStore;
  let ledger: GestureLedger;
  const clock = () => new Date('2026-11-23T15:00:00Z');
  beforeAll(async () => {
    store = await createEmbeddedEventStore({ dataDir: 'memory://' });
    ledger = new GestureLedger(store, { clock });
    await ledger.start(samplePolicy());
  }, 60_000);
  afterAll(() => store.close());

  async function enrolled(): Promise<string> {
    const employeeId = `e-${randomUUID().slice(0, 8)}`;
    await ledger.allocateBudget({ employeeId, role: 'associate', storeId: store_, idempotencyKey: employeeId }, admin);
    return employeeId;
  }

  const gesture = (employeeId: string, key: string, value: Pick<RequestGestureInput, 'amountMinor' | 'currency' | 'points' | 'gestureType'>): RequestGestureInput => ({
    employeeId,
    customerId: `c-${employeeId}`,
    channel: 'pos',
    storeId: store_,
    reasonCode: 'service_failure',
    note: 'n',
    occurredAt: clock().toISOString(),
    idempotencyKey: key,
    ...value,
  });

  it("records a staff member's gesture only at the store their token is signed in at; head office staff name any", async () => {
    const employeeId = await enrolled();
    const signedIn = (storeId: string | null): RequestContext => ({ principal: { subject: employeeId, roles: ['associate'], storeId }, correlationId: 't' });
    const at = (storeId: string, key: string) => ({ ...gesture(employeeId, key, { gestureType: 'goodwill_credit', amountMinor: 300, currency: 'USD' }), storeId });
    const before = await store.readStream(budgetStreamName(employeeId));
    expect(await ledger.requestGesture(at('chicago-loop', 'elsewhere'), signedIn(store_))).toEqual({ kind: 'forbidden', reason: 'another_store' });
    expect(await store.readStream(budgetStreamName(employeeId))).toHaveLength(before.length);
    expect(await ledger.requestGesture(at(store_, 'here'), signedIn(store_))).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
    expect(await ledger.requestGesture(at('chicago-loop', 'from-head-office'), signedIn(null))).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
  });

  it("judges a staff session's gesture live by when it was received (a message's arrival), and refuses it back-dated", async () => {
    const employeeId = await enrolled();
    const self = (receivedAt?: string): RequestContext => ({ principal: { subject: employeeId, roles: ['associate'], storeId: store_ }, correlationId: 't', ...(receivedAt ? { receivedAt } : {}) });
    const twoHoursAgo = { ...gesture(employeeId, 'queued', { gestureType: 'goodwill_credit', amountMinor: 300, currency: 'USD' }), occurredAt: '2026-11-23T13:00:00.000Z' };
    expect(await ledger.requestGesture({ ...twoHoursAgo, idempotencyKey: 'sent-now' }, self())).toMatchObject({ kind: 'ok', value: { outcome: 'refused', reason: 'occurred_too_long_ago' } });
    expect(await ledger.requestGesture(twoHoursAgo, self('2026-11-23T13:00:30.000Z'))).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
  });

  it('answers a retried request with its first refusal after the budget forgot it (more refusals since than it remembers)', async () => {
    const employeeId = await enrolled();
    const tooMuch = (key: string) => gesture(employeeId, key, { gestureType: 'goodwill_credit', amountMinor: 9_999_000, currency: 'USD' });
    expect(await ledger.requestGesture(tooMuch('first'), till)).toMatchObject({ kind: 'ok', value: { outcome: 'refused', reason: 'over_gesture_cap' } });
    for (let i = 0; i <= limits.refusalsRememberedMax; i++) await ledger.requestGesture(tooMuch(`later-${i}`), till);
    // The till's retry an hour later, to another replica: decided again, it collides with the stored refusal.
    const later = new GestureLedger(store, { clock: () => new Date('2026-11-23T16:00:00Z') });
    await later.start(samplePolicy());
    const before = (await store.readStream(budgetStreamName(employeeId))).length;
    expect(await later.requestGesture(tooMuch('first'), till)).toEqual({ kind: 'ok', value: { outcome: 'refused', gestureId: gestureIdFor(employeeId, 'first'), reason: 'over_gesture_cap', periodKey: '2026-11-23' } });
    expect(await store.readStream(budgetStreamName(employeeId))).toHaveLength(before);
    // The same key for another gesture is a reused key.
    await expect(later.requestGesture({ ...tooMuch('first'), customerId: 'someone-else' }, till)).rejects.toThrow(EventIdConflictError);
  }, 60_000);

  it('takes feedback on a gesture its budget has forgotten from the log: for its customer, not for another, and not for one never made', async () => {
    const employeeId = await enrolled();
    const crm: RequestContext = { principal: { subject: 'crm-1', roles: ['crm'], storeId: null }, correlationId: 't' };
    // An escalation left to expire first, so the old gesture's decision is not the only event of its key's ids.
    await ledger.requestGesture(gesture(employeeId, 'old-pending', { gestureType: 'goodwill_credit', amountMinor: 4_000, currency: 'USD' }), till);
    const later = new GestureLedger(store, { clock: () => new Date('2026-11-24T15:00:00Z') });
    await later.start(samplePolicy());
    expect(await later.requestGesture({ ...gesture(employeeId, 'old', { gestureType: 'goodwill_credit', amountMinor: 500, currency: 'USD' }), occurredAt: '2026-11-24T15:00:00.000Z' }, till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
    const oldGesture = gestureIdFor(employeeId, 'old');
    const events = await store.readStream(budgetStreamName(employeeId));
    expect(events.slice(-2).map((e) => e.type)).toEqual(['EscalationExpired', 'GestureGranted']);
    // Three months on, a gesture of the new month has the budget forget November's.
    const months = new GestureLedger(store, { clock: () => new Date('2027-02-24T15:00:00Z') });
    await months.start(samplePolicy());
    expect(await months.requestGesture({ ...gesture(employeeId, 'new', { gestureType: 'goodwill_credit', amountMinor: 500, currency: 'USD' }), occurredAt: '2027-02-24T15:00:00.000Z' }, till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
    expect((await months.budget(employeeId, admin.principal)).kind).toBe('ok');
    const feedback = (customerId: string, gestureId: string) => months.recordFeedback({ customerId, feedbackId: `fb-${randomUUID().slice(0, 8)}`, kind: 'compliment', gestureId, occurredAt: '2027-02-24T15:00:00.000Z' }, crm);
    expect(await feedback(`c-${employeeId}`, oldGesture)).toMatchObject({ kind: 'ok' });
    expect(await feedback('c-someone-else', oldGesture)).toEqual({ kind: 'refused', reason: 'unknown_gesture', details: ['the gesture was for another customer'] });
    expect(await feedback(`c-${employeeId}`, gestureIdFor(employeeId, 'never'))).toEqual({ kind: 'refused', reason: 'unknown_gesture', details: [`${employeeId} made no such gesture`] });
  });

  describe('approving without an amount', () => {
    it('approves all that is reserved even when sent while the escalation is still being written', async () => {
      const employeeId = await enrolled();
      const asked = ledger.requestGesture(gesture(employeeId, 'k-1', { gestureType: 'goodwill_credit', amountMinor: 4_000, currency: 'USD' }), till);
      // Sent in the same tick: the reservation is not in any state yet when the approval arrives.
      const approved = ledger.approveGesture(gestureIdFor(employeeId, 'k-1'), {}, supervisor);
      expect(await asked).toMatchObject({ kind: 'ok', value: { outcome: 'escalated', reserved: { amountMinor: 4_000 } } });
      expect(await approved).toMatchObject({ kind: 'ok', value: { status: 'approved' } });
      const budget = await ledger.budget(employeeId, admin.principal);
      expect(budget).toMatchObject({ kind: 'ok', value: { periods: [{ spentMinor: 4_000, reservedMinor: 0 }], pendingEscalations: [] } });
    });
  });

  describe('the budget as of now', () => {
    it("shows the period a gesture now would charge, with its whole allowance, before any gesture was given in it; and the store's day, not UTC's", async () => {
      // 02:00 UTC on the 24th is still the 23rd in New York.
      let now = new Date('2026-11-24T02:00:00Z');
      const timed = new GestureLedger(store, { clock: () => now });
      await timed.start(samplePolicy());
      const employeeId = await enrolled();
      const fresh = { periodKey: '2026-11-23', allowanceMinor: 20_000, spentMinor: 0, reservedMinor: 0, remainingMinor: 20_000 };
      expect(await timed.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { periods: [], current: fresh } });

      const given = { ...gesture(employeeId, 'now-1', { gestureType: 'goodwill_credit', amountMinor: 1_200, currency: 'USD' }), occurredAt: now.toISOString() };
      expect(await timed.requestGesture(given, till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      const charged = { ...fresh, spentMinor: 1_200, remainingMinor: 18_800 };
      expect(await timed.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { periods: [charged], current: charged } });

      // The next local day: yesterday's period is still listed (open to late uploads), today's is current and untouched.
      now = new Date('2026-11-24T15:00:00Z');
      expect(await timed.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { periods: [charged], current: { ...fresh, periodKey: '2026-11-24' } } });
    });
  });

  describe('a gesture request while an escalation is overdue and the expiry scheduler has not run', () => {
    it('records the expiry first and answers on the headroom it released, counted as the answer it is', async () => {
      let now = new Date('2026-11-23T15:00:00Z');
      const answers: string[] = [];
      const observer = { ...silentObserver, commandAnswered: (type: string, outcome: string) => void answers.push(`${type}:${outcome}`) };
      const timed = new GestureLedger(store, { clock: () => now, observer });
      await timed.start(samplePolicy());
      const employeeId = await enrolled();
      const at = (input: RequestGestureInput) => ({ ...input, occurredAt: now.toISOString() });
      // 4,000 reserved and 1,500 granted to one customer: 2,500 more passes the associate's 7,500 cap per customer until the reservation goes.
      expect(await timed.requestGesture(at(gesture(employeeId, 'k-1', { gestureType: 'goodwill_credit', amountMinor: 4_000, currency: 'USD' })), till)).toMatchObject({ kind: 'ok', value: { outcome: 'escalated' } });
      expect(await timed.requestGesture(at(gesture(employeeId, 'k-2', { gestureType: 'goodwill_credit', amountMinor: 1_500, currency: 'USD' })), till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      expect(await timed.requestGesture(at(gesture(employeeId, 'k-3', { gestureType: 'goodwill_credit', amountMinor: 2_500, currency: 'USD' })), till)).toMatchObject({ kind: 'ok', value: { outcome: 'refused', reason: 'customer_cap_exceeded' } });

      now = new Date('2026-11-23T15:31:00Z'); // the associate's escalations wait 30 minutes
      const late = at(gesture(employeeId, 'k-4', { gestureType: 'goodwill_credit', amountMinor: 2_500, currency: 'USD' }));
      expect(await timed.requestGesture(late, till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      expect(answers.at(-1)).toBe('RequestGesture:granted');
      const events = await store.readStream(budgetStreamName(employeeId));
      expect(events.slice(-2).map((e) => e.type)).toEqual(['EscalationExpired', 'GestureGranted']);
      expect(await timed.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { periods: [{ spentMinor: 4_000, reservedMinor: 0 }], pendingEscalations: [] } });

      // A retry answers the same and writes nothing; the scheduler, when it comes, finds the escalation expired.
      expect(await timed.requestGesture(late, till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      expect(await timed.expireEscalation(gestureIdFor(employeeId, 'k-1'), admin)).toMatchObject({ kind: 'ok', value: { status: 'expired' } });
      expect(await store.readStream(budgetStreamName(employeeId))).toHaveLength(events.length);
    });
  });

  describe('enrolling an employee who already has a budget', () => {
    const managerOf = (storeId: string | null): RequestContext => ({ principal: { subject: `mgr-${storeId ?? 'hq'}`, roles: ['manager'], storeId }, correlationId: 't' });

    it("moves them to another store only for a manager of both stores, or head office: never to take over another store's staff", async () => {
      const employeeId = await enrolled();
      const before = await store.readStream(budgetStreamName(employeeId));
      const moveTo = (storeId: string, key: string, by: RequestContext) => ledger.allocateBudget({ employeeId, role: 'supervisor', storeId, allowanceOverrideMinor: 9_000_000, idempotencyKey: key }, by);
      expect(await moveTo('chicago-loop', 'take-over', managerOf('chicago-loop'))).toEqual({ kind: 'forbidden', reason: 'another_store' });
      expect(await moveTo('chicago-loop', 'send-away', managerOf(store_))).toEqual({ kind: 'forbidden', reason: 'another_store' });
      expect(await store.readStream(budgetStreamName(employeeId))).toHaveLength(before.length);
      // Their own store's manager still re-enrols them there (a new role or allowance), and head office moves them.
      expect(await ledger.allocateBudget({ employeeId, role: 'senior_associate', storeId: store_, idempotencyKey: 'promote' }, managerOf(store_))).toMatchObject({ kind: 'ok', value: { role: 'senior_associate', storeId: store_ } });
      expect(await moveTo('chicago-loop', 'transfer', managerOf(null))).toMatchObject({ kind: 'ok', value: { storeId: 'chicago-loop' } });
    });

    it("leaves managers' budgets to head office: a store's manager neither makes a colleague a manager nor enrols or tops up a fellow manager", async () => {
      const colleague = await enrolled();
      const fellow = `mgr-${randomUUID().slice(0, 8)}`;
      expect(await ledger.allocateBudget({ employeeId: fellow, role: 'manager', storeId: store_, idempotencyKey: fellow }, managerOf(store_))).toEqual({ kind: 'forbidden', reason: 'manager_budget_for_head_office' });
      expect(await ledger.allocateBudget({ employeeId: fellow, role: 'manager', storeId: store_, idempotencyKey: fellow }, managerOf(null))).toMatchObject({ kind: 'ok', value: { role: 'manager' } });
      const before = { colleague: await store.readStream(budgetStreamName(colleague)), fellow: await store.readStream(budgetStreamName(fellow)) };
      expect(await ledger.allocateBudget({ employeeId: colleague, role: 'manager', storeId: store_, idempotencyKey: 'promote' }, managerOf(store_))).toEqual({ kind: 'forbidden', reason: 'manager_budget_for_head_office' });
      // Nor by re-enrolling the fellow manager in a lower role: the budget they have now is a manager's.
      expect(await ledger.allocateBudget({ employeeId: fellow, role: 'supervisor', storeId: store_, idempotencyKey: 'demote' }, managerOf(store_))).toEqual({ kind: 'forbidden', reason: 'manager_budget_for_head_office' });
      expect(await ledger.adjustBudget(fellow, { deltaMinor: 10_000_000, idempotencyKey: 'top-up' }, managerOf(store_))).toEqual({ kind: 'forbidden', reason: 'manager_budget_for_head_office' });
      expect(await store.readStream(budgetStreamName(colleague))).toHaveLength(before.colleague.length);
      expect(await store.readStream(budgetStreamName(fellow))).toHaveLength(before.fellow.length);
      // Below manager, the store's manager still does all of it; head office and admins do it for managers.
      expect(await ledger.allocateBudget({ employeeId: colleague, role: 'supervisor', storeId: store_, idempotencyKey: 'to-supervisor' }, managerOf(store_))).toMatchObject({ kind: 'ok', value: { role: 'supervisor' } });
      expect(await ledger.adjustBudget(colleague, { deltaMinor: 1_000, idempotencyKey: 'top-up' }, managerOf(store_))).toMatchObject({ kind: 'ok' });
      expect(await ledger.adjustBudget(fellow, { deltaMinor: 1_000, idempotencyKey: 'top-up' }, managerOf(null))).toMatchObject({ kind: 'ok' });
      expect(await ledger.adjustBudget(fellow, { deltaMinor: 1_000, idempotencyKey: 'admin-top-up' }, admin)).toMatchObject({ kind: 'ok' });
    });
  });

  describe('feedback about a gesture', () => {
    const crm: RequestContext = { principal: { subject: 'crm-1', roles: ['crm'], storeId: null }, correlationId: 't' };
    const feedback = (customerId: string, gestureId: string, feedbackId: string) => ({ customerId, feedbackId, kind: 'compliment' as const, gestureId, occurredAt: clock().toISOString() });

    it("is recorded from the CRM and from colleagues, never from the employee whose gesture it is", async () => {
      const employeeId = await enrolled();
      const granted = await ledger.requestGesture(gesture(employeeId, 'fb-1', { gestureType: 'goodwill_credit', amountMinor: 500, currency: 'USD' }), till);
      expect(granted).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      const gestureId = gestureIdFor(employeeId, 'fb-1');
      const self: RequestContext = { principal: { subject: employeeId, roles: ['associate'], storeId: store_ }, correlationId: 't' };
      expect(await ledger.recordFeedback(feedback(`c-${employeeId}`, gestureId, `${employeeId}-self`), self)).toEqual({ kind: 'forbidden', reason: 'own_gesture' });
      expect(await ledger.recordFeedback(feedback(`c-${employeeId}`, gestureId, `${employeeId}-sup`), supervisor)).toMatchObject({ kind: 'ok' });
      expect(await ledger.recordFeedback(feedback(`c-${employeeId}`, gestureId, `${employeeId}-crm`), crm)).toMatchObject({ kind: 'ok' });
      const recorded = (await store.readStream(`customer-loyalty-c-${employeeId}`)).filter((e) => e.type === 'FeedbackReceived');
      expect(recorded.map((e) => (e.data as { feedbackId: string; employeeId: string }).feedbackId)).toEqual([`${employeeId}-sup`, `${employeeId}-crm`]);
      expect(recorded.map((e) => (e.data as { employeeId: string }).employeeId)).toEqual([employeeId, employeeId]);
    });

    it('must name a gesture of that customer, by an employee with a budget', async () => {
      const employeeId = await enrolled();
      await ledger.requestGesture(gesture(employeeId, 'fb-2', { gestureType: 'goodwill_credit', amountMinor: 500, currency: 'USD' }), till);
      const gestureId = gestureIdFor(employeeId, 'fb-2');
      const refusedFor = async (customerId: string, id: string) => ledger.recordFeedback(feedback(customerId, id, `fb-${randomUUID().slice(0, 8)}`), crm);
      expect(await refusedFor('c-someone-else', gestureId)).toEqual({ kind: 'refused', reason: 'unknown_gesture', details: ['the gesture was for another customer'] });
      expect(await refusedFor(`c-${employeeId}`, gestureIdFor('e-nobody', 'fb-2'))).toEqual({ kind: 'refused', reason: 'unknown_gesture', details: ['e-nobody has no budget'] });
      expect(await refusedFor(`c-${employeeId}`, 'not-a-gesture')).toEqual({ kind: 'refused', reason: 'unknown_gesture', details: ['not a gesture id'] });
      // An id in a real employee's form that none of their requests gave: nothing to praise or blame them for.
      expect(await refusedFor(`c-${employeeId}`, gestureIdFor(employeeId, 'never-asked'))).toEqual({ kind: 'refused', reason: 'unknown_gesture', details: [`${employeeId} made no such gesture`] });
      expect((await store.readStream('customer-loyalty-c-someone-else')).filter((e) => e.type === 'FeedbackReceived')).toEqual([]);
    });
  });

  describe('reversing a bonus-points gesture', () => {
    const bonus = { gestureType: 'bonus_loyalty_points', points: 2_000 } as const;
    const reversalsOf = async (customerId: string) => (await store.readStream(`customer-loyalty-${customerId}`)).filter((e) => e.type === 'BonusPointsReversed');

    it('takes the credited points back from the customer, once, however often the reversal is sent', async () => {
      const employeeId = await enrolled();
      const granted = await ledger.requestGesture(gesture(employeeId, 'b-1', bonus), till);
      expect(granted).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      expect(await ledger.loyaltyOf(`c-${employeeId}`)).toMatchObject({ balancePoints: 2_000 });

      const gestureId = gestureIdFor(employeeId, 'b-1');
      expect(await ledger.reverseGesture(gestureId, { reasonCode: 'entered_in_error' }, supervisor)).toMatchObject({ kind: 'ok', value: { status: 'reversed' } });
      expect(await ledger.reverseGesture(gestureId, { reasonCode: 'entered_in_error' }, supervisor)).toMatchObject({ kind: 'ok', value: { status: 'reversed' } });
      expect(await ledger.loyaltyOf(`c-${employeeId}`)).toMatchObject({ balancePoints: 0 });
      const reversals = await reversalsOf(`c-${employeeId}`);
      expect(reversals.map((e) => e.data)).toEqual([expect.objectContaining({ gestureId, creditedPoints: 2_000, points: 2_000, unrecoveredPoints: 0, balanceAfter: 0 })]);
    });

    it('never takes the balance below zero when the customer already spent the points, and records what could not be recovered', async () => {
      const employeeId = await enrolled();
      const customerId = `c-${employeeId}`;
      await ledger.requestGesture(gesture(employeeId, 'b-2', bonus), till);
      const redeemed = await ledger.redeemPoints({ customerId, redemptionId: `r-${employeeId}`, points: 1_500, channel: 'pos', storeId: store_, occurredAt: clock().toISOString() }, till);
      expect(redeemed).toMatchObject({ kind: 'ok', value: { balancePoints: 500 } });

      await ledger.reverseGesture(gestureIdFor(employeeId, 'b-2'), {}, supervisor);
      expect(await ledger.loyaltyOf(customerId)).toMatchObject({ balancePoints: 0 });
      expect((await reversalsOf(customerId)).map((e) => e.data)).toEqual([expect.objectContaining({ creditedPoints: 2_000, points: 500, unrecoveredPoints: 1_500, balanceAfter: 0 })]);
    });

    it('leaves the customer alone when a money gesture is reversed', async () => {
      const employeeId = await enrolled();
      await ledger.requestGesture(gesture(employeeId, 'm-1', { gestureType: 'goodwill_credit', amountMinor: 1_000, currency: 'USD' }), till);
      await ledger.reverseGesture(gestureIdFor(employeeId, 'm-1'), {}, supervisor);
      expect(await reversalsOf(`c-${employeeId}`)).toEqual([]);
    });
  });
  describe('when the customer\'s half of a bonus-points gesture was not written', () => {
    // The budget's append succeeds and the loyalty account's fails (the database went away in between):
    // the caller retries, and the retry finds the gesture already decided.
    const outage = { loyalty: false };
    let flaky: GestureLedger;
    beforeAll(async () => {
      const flakyStore = new Proxy(store, {
        get(target, name) {
          if (name === 'appendToStream') {
            return (stream: string, ...rest: Parameters<EventStore['appendToStream']> extends [string, ...infer R] ? R : never) =>
              outage.loyalty && stream.startsWith('customer-loyalty-') ? Promise.reject(new Error('database away')) : target.appendToStream(stream, ...rest);
          }
          const member = Reflect.get(target, name) as unknown;
          return typeof member === 'function' ? member.bind(target) : member;
        },
      });
      flaky = new GestureLedger(flakyStore, { clock });
      await flaky.start(samplePolicy());
    });
    const bonus = { gestureType: 'bonus_loyalty_points', points: 2_000 } as const;
    const pointsOf = async (customerId: string) => (await flaky.loyaltyOf(customerId)).balancePoints;
    const creditsOf = async (customerId: string) => (await store.readStream(`customer-loyalty-${customerId}`)).filter((e) => e.type === 'BonusPointsCredited');

    it('credits the points on the retry of the gesture, once however often it comes', async () => {
      const employeeId = await enrolled();
      outage.loyalty = true;
      await expect(flaky.requestGesture(gesture(employeeId, 'b-1', bonus), till)).rejects.toThrow('database away');
      outage.loyalty = false;
      expect(await flaky.requestGesture(gesture(employeeId, 'b-1', bonus), till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted', points: 2_000 } });
      await flaky.requestGesture(gesture(employeeId, 'b-1', bonus), till);
      expect(await pointsOf(`c-${employeeId}`)).toBe(2_000);
      expect(await creditsOf(`c-${employeeId}`)).toHaveLength(1);
    });

    it('takes the points back on the retry of a reversal', async () => {
      const employeeId = await enrolled();
      await flaky.requestGesture(gesture(employeeId, 'b-2', bonus), till);
      outage.loyalty = true;
      await expect(flaky.reverseGesture(gestureIdFor(employeeId, 'b-2'), {}, supervisor)).rejects.toThrow('database away');
      outage.loyalty = false;
      expect(await flaky.reverseGesture(gestureIdFor(employeeId, 'b-2'), {}, supervisor)).toMatchObject({ kind: 'ok', value: { status: 'reversed' } });
      expect(await pointsOf(`c-${employeeId}`)).toBe(0);
      expect(await creditsOf(`c-${employeeId}`)).toHaveLength(1);
    });

    it("credits an approval's points when another approver comes after the first gave up on a failed credit", async () => {
      const employeeId = await enrolled();
      const secondSupervisor: RequestContext = { principal: { subject: 'sup-2', roles: ['supervisor'], storeId: store_ }, correlationId: 't' };
      expect(await flaky.requestGesture(gesture(employeeId, 'b-4', { gestureType: 'bonus_loyalty_points', points: 4_000 }), till)).toMatchObject({ kind: 'ok', value: { outcome: 'escalated' } });
      outage.loyalty = true;
      await expect(flaky.approveGesture(gestureIdFor(employeeId, 'b-4'), {}, supervisor)).rejects.toThrow('database away');
      outage.loyalty = false;
      expect(await flaky.approveGesture(gestureIdFor(employeeId, 'b-4'), {}, secondSupervisor)).toMatchObject({ kind: 'refused', reason: 'not_pending' });
      expect(await pointsOf(`c-${employeeId}`)).toBe(4_000);
      expect(await creditsOf(`c-${employeeId}`)).toHaveLength(1);
    });

    it('takes the points back when another reverser comes after the first gave up on a failed take-back', async () => {
      const employeeId = await enrolled();
      const manager: RequestContext = { principal: { subject: 'mgr-1', roles: ['manager'], storeId: store_ }, correlationId: 't' };
      await flaky.requestGesture(gesture(employeeId, 'b-5', bonus), till);
      outage.loyalty = true;
      await expect(flaky.reverseGesture(gestureIdFor(employeeId, 'b-5'), {}, supervisor)).rejects.toThrow('database away');
      outage.loyalty = false;
      expect(await flaky.reverseGesture(gestureIdFor(employeeId, 'b-5'), {}, manager)).toMatchObject({ kind: 'refused', reason: 'already_reversed' });
      expect(await pointsOf(`c-${employeeId}`)).toBe(0);
    });

    it("takes back only the bonus when the gesture is reversed before its credit was written, never the customer's own points", async () => {
      const employeeId = await enrolled();
      const customerId = `c-${employeeId}`;
      await flaky.recordPurchase({ customerId, purchaseId: `p-${employeeId}`, amountMinor: 100_000, currency: 'USD', channel: 'pos', storeId: store_, occurredAt: clock().toISOString() }, till);
      outage.loyalty = true;
      await expect(flaky.requestGesture(gesture(employeeId, 'b-3', bonus), till)).rejects.toThrow('database away');
      outage.loyalty = false;
      expect(await flaky.reverseGesture(gestureIdFor(employeeId, 'b-3'), {}, supervisor)).toMatchObject({ kind: 'ok', value: { status: 'reversed' } });
      expect(await pointsOf(customerId)).toBe(1_000);
      // The till's retry of the original request comes after the reversal.
      await flaky.requestGesture(gesture(employeeId, 'b-3', bonus), till);
      expect(await pointsOf(customerId)).toBe(1_000);
      const reversals = (await store.readStream(`customer-loyalty-${customerId}`)).filter((e) => e.type === 'BonusPointsReversed');
      expect(reversals.map((e) => e.data)).toEqual([expect.objectContaining({ creditedPoints: 2_000, points: 2_000, unrecoveredPoints: 0, balanceAfter: 1_000 })]);
    });
  });
});

withBackend('DATABASE_URL', 'two ledger replicas on PostgreSQL', (url) => {
  describe('two replicas of the ledger on one PostgreSQL store, each with its own cached states', () => {
    let store: EventStore;
    let replicaA: GestureLedger;
    let replicaB: GestureLedger;
    const clock = () => new Date('2026-11-23T15:00:00Z');
    beforeAll(async () => {
      store = await createPostgresEventStore({ connectionString: url });
      replicaA = new GestureLedger(store, { clock });
      replicaB = new GestureLedger(store, { clock });
      await replicaA.start(samplePolicy());
      await replicaB.start(samplePolicy());
    }, 60_000);
    afterAll(() => store.close());

    it("answers on one replica what the other wrote: an approval of the other's escalation, the budget, a till of the employee's new store", async () => {
      const employeeId = `e-${randomUUID().slice(0, 8)}`;
      await replicaA.allocateBudget({ employeeId, role: 'associate', storeId: store_, idempotencyKey: employeeId }, admin);
      // B folds the budget into its cache as it is now.
      expect(await replicaB.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { pendingEscalations: [] } });
      const escalating = { employeeId, customerId: `c-${employeeId}`, gestureType: 'goodwill_credit', amountMinor: 4_000, currency: 'USD', channel: 'pos', storeId: store_, reasonCode: 'service_failure', note: 'n', occurredAt: clock().toISOString(), idempotencyKey: 'r-1' } as const;
      expect(await replicaA.requestGesture(escalating, till)).toMatchObject({ kind: 'ok', value: { outcome: 'escalated' } });
      expect(await replicaB.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { periods: [{ reservedMinor: 4_000 }] } });
      expect(await replicaB.approveGesture(gestureIdFor(employeeId, 'r-1'), {}, supervisor)).toMatchObject({ kind: 'ok', value: { status: 'approved' } });

      // Moved to another store by head office on A; B's till check must see the new home store.
      await replicaA.allocateBudget({ employeeId, role: 'associate', storeId: 'chicago-loop', idempotencyKey: `${employeeId}-moved` }, admin);
      const chicagoTill: RequestContext = { principal: { subject: 'till-chi', roles: ['pos-system'], storeId: 'chicago-loop' }, correlationId: 't' };
      const there = { ...escalating, amountMinor: 500, storeId: 'chicago-loop', idempotencyKey: 'r-2' };
      expect(await replicaB.requestGesture(there, chicagoTill)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      expect(await replicaB.requestGesture({ ...there, storeId: store_, idempotencyKey: 'r-3' }, till)).toMatchObject({ kind: 'forbidden' });
    });

    it('never overspends after a replica repeats a request the other already wrote behind gestures it has not seen', async () => {
      const employeeId = `e-${randomUUID().slice(0, 8)}`;
      await replicaA.allocateBudget({ employeeId, role: 'associate', storeId: store_, idempotencyKey: employeeId }, admin);
      const grant = (key: string) => ({ employeeId, customerId: `c-${key}`, gestureType: 'goodwill_credit', amountMinor: 2_500, currency: 'USD', channel: 'pos', storeId: store_, reasonCode: 'service_failure', note: 'n', occurredAt: clock().toISOString(), idempotencyKey: key }) as const;
      expect(await replicaA.requestGesture(grant('g-1'), till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      // B spends the rest of the day's 20,000, its last request the one A is about to repeat (the same clock: the same events).
      for (const key of ['g-2', 'g-3', 'g-4', 'g-5', 'g-6', 'g-7', 'g-8']) expect(await replicaB.requestGesture(grant(key), till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      // A decides g-8 on its cached state (g-1 only): the store finds it already written and answers with its revision.
      expect(await replicaA.requestGesture(grant('g-8'), till)).toMatchObject({ kind: 'ok', value: { outcome: 'granted' } });
      expect(await replicaA.requestGesture(grant('g-9'), till)).toMatchObject({ kind: 'ok', value: { outcome: 'refused', reason: 'allowance_exhausted' } });
      expect(await replicaA.budget(employeeId, admin.principal)).toMatchObject({ kind: 'ok', value: { periods: [{ spentMinor: 20_000 }] } });
    });
  });
});
