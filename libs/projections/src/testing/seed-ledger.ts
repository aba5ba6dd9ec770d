import type { GestureType, StaffRole } from '#domain';
import { employeeOfGesture, type GestureLedger, type RequestContext } from '#ledger';
import { seededRandom } from '../../../domain/test/prng.js';

export { seededRandom as prng } from '../../../domain/test/prng.js';

export interface SeededStaff {
  employeeId: string;
  role: StaffRole;
  storeId: string;
}

export interface SeedResult {
  staff: SeededStaff[];
  customers: string[];
  /** Escalations still pending at the end, by gesture id. */
  pending: string[];
  commands: number;
}

const gestureMix: Array<{ type: GestureType; reasonCode: string; points?: boolean }> = [
  { type: 'goodwill_credit', reasonCode: 'service_failure' },
  { type: 'fee_waiver', reasonCode: 'late_fee' },
  { type: 'refund_outside_policy', reasonCode: 'late_return' },
  { type: 'bonus_loyalty_points', reasonCode: 'loyal_customer', points: true },
];

/**
 * Plays mixed traffic through the real ledger (so the log holds what the deciders write): staff enrolled
 * in two stores, gestures granted and escalated, approvals (some partial), denials, reversals, budget
 * adjustments, purchases, feedback and redemptions. Deterministic for a given seed.
 */
export async function seedLedgerTraffic(ledger: GestureLedger, options: { run: string; steps: number; seed: number; stores?: string[]; customers?: number }): Promise<SeedResult> {
  const random = seededRandom(options.seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const stores = options.stores ?? ['nyc-fifth-ave', 'chicago-loop'];
  const admin: RequestContext = { principal: { subject: 'seed-admin', roles: ['admin'], storeId: null }, correlationId: `seed-${options.run}` };
  const as = (s: SeededStaff): RequestContext => ({ principal: { subject: s.employeeId, roles: [s.role], storeId: s.storeId }, correlationId: `seed-${options.run}` });
  const till = (storeId: string): RequestContext => ({ principal: { subject: `till-${storeId}`, roles: ['pos-system'], storeId }, correlationId: `seed-${options.run}` });
  const crm: RequestContext = { principal: { subject: 'crm-1', roles: ['crm'], storeId: null }, correlationId: `seed-${options.run}` };

  const staff: SeededStaff[] = [];
  for (const storeId of stores) {
    const roles: StaffRole[] = ['associate', 'associate', 'associate', 'senior_associate', 'supervisor', 'manager'];
    roles.forEach((role, i) => staff.push({ employeeId: `${options.run}-${storeId.slice(0, 3)}-${role.slice(0, 3)}-${i}`, role, storeId }));
  }
  for (const s of staff) {
    const r = await ledger.allocateBudget({ employeeId: s.employeeId, role: s.role, storeId: s.storeId, idempotencyKey: `enrol-${s.employeeId}` }, admin);
    if (r.kind !== 'ok') throw new Error(`enrol refused: ${JSON.stringify(r)}`);
  }
  const customers = Array.from({ length: options.customers ?? 12 }, (_, i) => `${options.run}-cust-${i}`);
  const granted: string[] = [];
  const pending = new Map<string, SeededStaff>();
  const gesturers = staff.filter((s) => s.role === 'associate' || s.role === 'senior_associate');
  let commands = staff.length;

  for (let step = 0; step < options.steps; step++) {
    const roll = random();
    const now = new Date().toISOString();
    commands++;
    if (roll < 0.4) {
      const who = pick(gesturers);
      const mix = pick(gestureMix);
      const amount = 500 + Math.floor(random() * 9) * 500;
      const r = await ledger.requestGesture(
        {
          employeeId: who.employeeId,
          customerId: pick(customers),
          gestureType: mix.type,
          ...(mix.points ? { points: amount } : { amountMinor: amount, currency: 'USD' }),
          channel: 'pos',
          storeId: who.storeId,
          reasonCode: mix.reasonCode,
          note: 'seeded',
          occurredAt: now,
          idempotencyKey: `g-${step}`,
        },
        random() < 0.5 ? as(who) : till(who.storeId),
      );
      if (r.kind !== 'ok') throw new Error(`gesture failed: ${JSON.stringify(r)}`);
      if (r.value.outcome === 'granted') granted.push(r.value.gestureId);
      if (r.value.outcome === 'escalated') pending.set(r.value.gestureId, who);
    } else if (roll < 0.55 && pending.size > 0) {
      const [gestureId, who] = [...pending.entries()][Math.floor(random() * pending.size)]!;
      const approver = staff.find((s) => s.storeId === who.storeId && s.role === (who.role === 'associate' ? 'senior_associate' : 'supervisor'))!;
      const deny = random() < 0.3;
      const r = deny ? await ledger.denyGesture(gestureId, { reasonCode: 'not_justified' }, as(approver)) : await ledger.approveGesture(gestureId, random() < 0.3 ? { approvedAmountMinor: 100 } : {}, as(approver));
      if (r.kind !== 'ok') throw new Error(`decision failed: ${JSON.stringify(r)}`);
      pending.delete(gestureId);
      if (!deny) granted.push(gestureId);
    } else if (roll < 0.6 && granted.length > 0) {
      const gestureId = granted.splice(Math.floor(random() * granted.length), 1)[0]!;
      const employee = staff.find((s) => s.employeeId === employeeOfGesture(gestureId))!;
      // Someone senior to the employee undoes it (nobody undoes their own); a manager's own gesture, by the
      // store's manager, is refused.
      const reverser = staff.find((s) => s.storeId === employee.storeId && s.role === (employee.role === 'associate' || employee.role === 'senior_associate' ? 'supervisor' : 'manager'))!;
      const r = await ledger.reverseGesture(gestureId, { reasonCode: 'entered_in_error' }, as(reverser));
      if (r.kind !== 'ok' && r.kind !== 'refused') throw new Error(`reversal failed: ${JSON.stringify(r)}`);
    } else if (roll < 0.85) {
      const storeId = pick(stores);
      const r = await ledger.recordPurchase({ customerId: pick(customers), purchaseId: `${options.run}-p-${step}`, amountMinor: 1_000 + Math.floor(random() * 40_000), currency: 'USD', channel: 'pos', storeId, occurredAt: now }, till(storeId));
      if (r.kind !== 'ok') throw new Error(`purchase failed: ${JSON.stringify(r)}`);
    } else if (roll < 0.94) {
      const r = await ledger.recordFeedback(
        { customerId: pick(customers), feedbackId: `${options.run}-f-${step}`, kind: random() < 0.5 ? 'csat' : 'complaint', score: random() < 0.5 ? 1 + Math.floor(random() * 5) : null, comment: 'seeded', channel: 'pos', occurredAt: now },
        crm,
      );
      if (r.kind !== 'ok' && r.kind !== 'refused') throw new Error(`feedback failed: ${JSON.stringify(r)}`);
    } else if (roll < 0.97) {
      const storeId = pick(stores);
      const r = await ledger.redeemPoints({ customerId: pick(customers), redemptionId: `${options.run}-r-${step}`, points: 10 + Math.floor(random() * 50), channel: 'pos', storeId, occurredAt: now }, till(storeId));
      if (r.kind === 'forbidden' || r.kind === 'not_found') throw new Error(`redemption failed: ${JSON.stringify(r)}`);
    } else {
      const target = pick(gesturers);
      const manager = staff.find((s) => s.storeId === target.storeId && s.role === 'manager')!;
      const r = await ledger.adjustBudget(target.employeeId, { deltaMinor: 1_000 * (1 + Math.floor(random() * 5)), reasonCode: 'busy_day', idempotencyKey: `adj-${step}` }, as(manager));
      if (r.kind !== 'ok' && r.kind !== 'refused') throw new Error(`adjustment failed: ${JSON.stringify(r)}`);
    }
  }
  return { staff, customers, pending: [...pending.keys()], commands };
}
