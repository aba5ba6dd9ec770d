import { randomUUID } from 'node:crypto';
import type { SqlDriver } from '#event-store';
import { seededRandom } from '../libs/domain/test/prng.js';

/**
 * A realistic log for the projector benchmark, written straight into `gl_events` in chunks of one
 * transaction each (the append path is measured by the store benchmark; this only has to be quick):
 * 2,000 staff in six stores, 200,000 customers, over 30 days — purchases with points and tier changes,
 * gestures granted and escalated, approvals, denials, expiries, reversals, bonus points, feedback,
 * redemptions, refusals, budget adjustments. Shapes are the domain's events, field for field.
 */
export interface LogShape {
  events: number;
  employees: number;
  customers: number;
  days: number;
}

const stores = ['nyc-fifth-ave', 'chicago-loop', 'phoenix-call-center', 'la-santa-monica', 'honolulu-resort-hotel', 'web-support'];
const gestureTypes = ['goodwill_credit', 'fee_waiver', 'refund_outside_policy', 'discount', 'bonus_loyalty_points', 'free_shipping'];
const chunkEvents = 10_000;

interface Row {
  s: string;
  r: number;
  id: string;
  t: string;
  d: unknown;
  m: unknown;
}

export async function writeProjectionLog(db: SqlDriver, shape: LogShape, seed = 1): Promise<number> {
  const random = seededRandom(seed);
  const int = (n: number) => Math.floor(random() * n);
  const revisions = new Map<string, number>();
  const start = Date.parse('2026-10-01T09:00:00Z');
  const stepMs = (shape.days * 86_400_000) / shape.events;
  let rows: Row[] = [];
  let written = 0;
  let clock = start;
  const pending: Array<{ g: Record<string, unknown>; amount: number; periodKey: string }> = [];
  const granted: Array<{ g: Record<string, unknown>; amount: number; periodKey: string; points: number | null }> = [];

  const flush = async () => {
    if (rows.length === 0) return;
    const json = JSON.stringify(rows);
    rows = [];
    await db.query(
      `insert into gl_events (stream_name, stream_revision, event_id, event_type, schema_version, data, metadata)
       select s, r, id::uuid, t, 1, d, m from json_to_recordset($1::json) as x(s text, r bigint, id text, t text, d jsonb, m jsonb)`,
      [json],
    );
  };
  const push = async (stream: string, type: string, data: Record<string, unknown>) => {
    const r = revisions.get(stream) ?? 0;
    revisions.set(stream, r + 1);
    const at = new Date(clock).toISOString();
    rows.push({ s: stream, r, id: randomUUID(), t: type, d: data, m: { correlationId: `bench-${written}`, causationId: null, actor: 'bench', recordedAt: at } });
    written++;
    if (rows.length >= chunkEvents) await flush();
  };
  const employee = (i: number) => ({ id: `be${i}`, store: stores[i % stores.length]! });
  const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  const facts = (e: { id: string; store: string }, customerId: string, gestureId: string, type: string, at: string) => ({
    gestureId,
    employeeId: e.id,
    customerId,
    gestureType: type,
    who: { employeeId: e.id, actorId: e.id },
    where: { channel: 'pos', storeId: e.store },
    why: { reasonCode: 'service_failure', note: null },
    when: { occurredAt: at, recordedAt: at },
    policyVersion: 1,
  });

  for (let i = 0; i < shape.employees && written < shape.events; i++) {
    const e = employee(i);
    await push(`discretion-budget-${e.id}`, 'BudgetAllocated', { employeeId: e.id, role: i % 10 === 0 ? 'senior_associate' : 'associate', storeId: e.store, timeZone: 'UTC', allowanceOverrideMinor: null, currency: 'USD', by: { employeeId: null, actorId: 'admin', role: 'admin' }, recordedAt: new Date(clock).toISOString(), policyVersion: 1 });
  }
  let n = 0;
  while (written < shape.events) {
    clock += stepMs * 1.6;
    const at = new Date(clock).toISOString();
    const day = dayOf(clock);
    const period = { kind: 'day', key: day, endsOn: day, allowanceMinor: 1_000_000 };
    const roll = random();
    const e = employee(int(shape.employees));
    const customerId = `bc${int(shape.customers)}`;
    const loyalty = `customer-loyalty-${customerId}`;
    const budget = `discretion-budget-${e.id}`;
    n++;
    if (roll < 0.42) {
      const amountMinor = 500 + int(30_000);
      await push(loyalty, 'PurchaseRecorded', { customerId, purchaseId: `bp${n}`, amount: { amountMinor, currency: 'USD' }, month: day.slice(0, 7), where: { channel: 'pos', storeId: e.store }, occurredAt: at, recordedAt: at, policyVersion: 1 });
      await push(loyalty, 'PointsEarned', { customerId, purchaseId: `bp${n}`, points: Math.floor(amountMinor / 100), lotMonth: day.slice(0, 7), recordedAt: at, policyVersion: 1 });
      if (random() < 0.03) await push(loyalty, 'TierChanged', { customerId, from: null, to: random() < 0.5 ? 'silver' : 'gold', rolling12mSpendMinor: 60_000, asOfMonth: day.slice(0, 7), recordedAt: at, policyVersion: 1 });
    } else if (roll < 0.75) {
      const type = gestureTypes[int(gestureTypes.length)]!;
      const amount = 500 + int(10) * 500;
      const g = facts(e, customerId, `${e.id}~${randomUUID()}`, type, at);
      const points = type === 'bonus_loyalty_points' ? amount : null;
      if (amount > 2_500 && random() < 0.5) {
        await push(budget, 'GestureEscalated', { ...g, reservationId: randomUUID(), reserved: { amountMinor: amount, currency: 'USD' }, points, pointValueMinor: points === null ? null : 1, period, approverRole: 'senior_associate', expiresAt: new Date(clock + 1_800_000).toISOString() });
        pending.push({ g, amount, periodKey: day });
      } else {
        await push(budget, 'GestureGranted', { ...g, cost: { amountMinor: amount, currency: 'USD' }, points, period });
        if (points !== null) await push(loyalty, 'BonusPointsCredited', { ...g, customerId, gestureId: g.gestureId, employeeId: e.id, points, lotMonth: day.slice(0, 7), creditedAt: at });
        if (granted.length < 5_000) granted.push({ g, amount, periodKey: day, points });
      }
    } else if (roll < 0.87 && pending.length > 0) {
      const p = pending.shift()!;
      const owner = { id: p.g.employeeId as string, store: (p.g.where as { storeId: string }).storeId };
      const later = { ...facts(owner, p.g.customerId as string, p.g.gestureId as string, p.g.gestureType as string, at), who: { employeeId: 'approver', actorId: 'approver' } };
      const decision = random();
      const stream = `discretion-budget-${owner.id}`;
      const released = { amountMinor: p.amount, currency: 'USD' };
      if (decision < 0.7) await push(stream, 'GestureApproved', { ...later, reservationId: 'r', periodKey: p.periodKey, approved: released, released: { amountMinor: 0, currency: 'USD' }, approvedPoints: null, approverId: 'approver', approverRole: 'senior_associate' });
      else if (decision < 0.9) await push(stream, 'GestureDenied', { ...later, reservationId: 'r', periodKey: p.periodKey, released, approverId: 'approver', approverRole: 'senior_associate' });
      else await push(stream, 'EscalationExpired', { ...later, reservationId: 'r', periodKey: p.periodKey, released, expiresAt: at });
    } else if (roll < 0.9 && granted.length > 0) {
      const p = granted.splice(int(granted.length), 1)[0]!;
      const owner = { id: p.g.employeeId as string, store: (p.g.where as { storeId: string }).storeId };
      await push(`discretion-budget-${owner.id}`, 'GestureReversed', { ...facts(owner, p.g.customerId as string, p.g.gestureId as string, p.g.gestureType as string, at), periodKey: p.periodKey, returned: { amountMinor: p.amount, currency: 'USD' }, returnedPoints: p.points, reversedBy: { employeeId: null, actorId: 'admin', role: 'admin' } });
    } else if (roll < 0.95) {
      await push(loyalty, 'FeedbackReceived', { customerId, feedbackId: `bf${n}`, kind: 'csat', score: 1 + int(5), gestureId: null, employeeId: e.id, comment: 'bench', channel: 'pos', occurredAt: at, recordedAt: at });
    } else if (roll < 0.97) {
      await push(loyalty, 'PointsRedeemed', { customerId, redemptionId: `br${n}`, points: 10, fromLots: [{ month: day.slice(0, 7), points: 10 }], balanceAfter: 0, who: { employeeId: null, actorId: 'till' }, where: { channel: 'pos', storeId: e.store }, occurredAt: at, recordedAt: at });
    } else if (roll < 0.99) {
      await push(budget, 'GestureRefused', { ...facts(e, customerId, `${e.id}~${randomUUID()}`, 'cash_payout', at), reason: 'regulated_gesture', requested: { amount: { amountMinor: 10_000, currency: 'USD' }, points: null }, periodKey: day });
    } else {
      await push(budget, 'BudgetAdjusted', { employeeId: e.id, adjustmentId: randomUUID(), period: { kind: 'day', key: day, endsOn: day }, currency: 'USD', deltaMinor: 0, allowanceBeforeMinor: 1_000_000, allowanceAfterMinor: 1_000_000, by: { employeeId: null, actorId: 'admin', role: 'admin' }, reasonCode: 'busy_day', note: null, recordedAt: at, policyVersion: 1 });
    }
  }
  await flush();
  const streams = [...revisions.entries()];
  for (let i = 0; i < streams.length; i += 20_000) {
    await db.query(
      `insert into gl_streams (stream_name, revision) select s, r from json_to_recordset($1::json) as x(s text, r bigint)
       on conflict (stream_name) do update set revision = excluded.revision`,
      [JSON.stringify(streams.slice(i, i + 20_000).map(([s, r]) => ({ s, r: r - 1 })))],
    );
  }
  return written;
}
