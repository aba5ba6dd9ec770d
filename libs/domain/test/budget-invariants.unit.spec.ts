import { describe, expect, it } from '@jest/globals';
import {
  decideBudget,
  evolveBudget,
  initialBudgetState,
  InvariantViolation,
  isRefusal,
  outcomeOf,
  type ActiveBudget,
  type Approver,
  type BudgetAuthority,
  type BudgetCommand,
  type BudgetEvent,
  type BudgetState,
  type StaffRole,
} from '#domain';
import { alice, allocated, bob, granted, maya, policy, request, sam, sean } from './budget-fixtures.js';
import { between, pick, seededRandom } from './prng.js';

/**
 * Tries to break the budget with long random histories: requests, approvals (including by the
 * requester and by too junior a role), denials, expiries, reversals and adjustments, with clocks
 * jumping forward and tills uploading late. After every step it checks the invariants against an
 * independent model built from the events alone.
 */

const minute = 60_000;
const aliceAsSupervisor: Approver = { employeeId: alice, actorId: 'sso|emp-alice', role: 'supervisor' };
const mayaApprover: Approver = { employeeId: 'emp-maya', actorId: 'sso|emp-maya', role: 'manager' };
const approvers: readonly Approver[] = [sean, sam, mayaApprover, bob, aliceAsSupervisor];
const reversers: readonly BudgetAuthority[] = [maya, { employeeId: alice, actorId: 'till-sm-07', role: 'associate' }, { employeeId: 'emp-bob', actorId: 'sso|emp-bob', role: 'associate' }];

interface ModelPeriod {
  allowance: number;
  spent: number;
  reserved: number;
}

/** Period balances recomputed from event amounts only, never from the decider's state. */
class EventModel {
  readonly periods = new Map<string, ModelPeriod>();
  private readonly periodOfGesture = new Map<string, string>();

  apply(event: BudgetEvent): void {
    switch (event.type) {
      case 'GestureGranted':
        this.open(event.data.period.key, event.data.period.allowanceMinor).spent += event.data.cost.amountMinor;
        this.periodOfGesture.set(event.data.gestureId, event.data.period.key);
        return;
      case 'GestureEscalated':
        this.open(event.data.period.key, event.data.period.allowanceMinor).reserved += event.data.reserved.amountMinor;
        this.periodOfGesture.set(event.data.gestureId, event.data.period.key);
        return;
      case 'GestureApproved': {
        const period = this.of(event.data.gestureId, event.data.periodKey);
        period.reserved -= event.data.approved.amountMinor + event.data.released.amountMinor;
        period.spent += event.data.approved.amountMinor;
        return;
      }
      case 'GestureDenied':
      case 'EscalationExpired':
        this.of(event.data.gestureId, event.data.periodKey).reserved -= event.data.released.amountMinor;
        return;
      case 'GestureReversed':
        this.of(event.data.gestureId, event.data.periodKey).spent -= event.data.returned.amountMinor;
        return;
      case 'BudgetAdjusted':
        this.open(event.data.period.key, event.data.allowanceBeforeMinor).allowance += event.data.deltaMinor;
        return;
      case 'BudgetAllocated':
      case 'GestureRefused':
        return;
    }
  }

  private open(key: string, allowance: number): ModelPeriod {
    let period = this.periods.get(key);
    if (period === undefined) {
      period = { allowance, spent: 0, reserved: 0 };
      this.periods.set(key, period);
    }
    return period;
  }

  private of(gestureId: string, periodKey: string): ModelPeriod {
    expect(this.periodOfGesture.get(gestureId)).toBe(periodKey);
    return this.periods.get(periodKey)!;
  }
}

interface RunStats {
  eventCounts: Record<string, number>;
  refusalReasons: Set<string>;
  forgottenPeriods: number;
  steps: number;
}

function run(seed: number, steps: number, role: StaffRole, allowanceOverrideMinor: number | null): RunStats {
  const random = seededRandom(seed);
  const model = new EventModel();
  const forgotten = new Set<string>();
  const stats: RunStats = { eventCounts: {}, refusalReasons: new Set(), forgottenPeriods: 0, steps };
  const requested: string[] = [];
  let nowMs = Date.parse('2026-11-01T16:00:00.000Z');
  let state: BudgetState = evolveBudget(initialBudgetState(), allocated({ role, allowanceOverrideMinor }));

  for (let step = 0; step < steps; step += 1) {
    // Mostly a busy shift, now and then a quiet night or a day off, so escalations get answered, expire, and periods close.
    nowMs += (random() < 0.97 ? between(random, 0, 5) : between(random, 0, 3 * 24 * 60)) * minute;
    const command = randomCommand(random, step, nowMs, state, requested, role);
    const decision = decideBudget(command, state, policy);

    if (isRefusal(decision)) {
      stats.refusalReasons.add(decision.reason);
      continue;
    }
    checkNeverAllowed(command, decision);
    if (command.type === 'RequestGesture' && requested.includes(command.data.gestureId) && outcomeOf(state, command.data.gestureId) !== undefined) {
      expect(decision).toEqual([]);
    }
    if (command.type === 'RequestGesture') requested.push(command.data.gestureId);

    for (const event of decision) {
      if (event.type === 'GestureRefused') stats.refusalReasons.add(event.data.reason);
      const key = periodKeyOf(event);
      if (key !== null && forgotten.has(key)) throw new Error(`seed ${seed} step ${step}: ${event.type} touches forgotten period ${key}`);
      stats.eventCounts[event.type] = (stats.eventCounts[event.type] ?? 0) + 1;
      model.apply(event);
      state = evolveBudget(state, event);
    }
    checkInvariants(state as ActiveBudget, model, forgotten, `seed ${seed} step ${step}`);
  }
  stats.forgottenPeriods = forgotten.size;
  return stats;
}

function randomCommand(random: () => number, step: number, nowMs: number, state: BudgetState, requested: string[], role: StaffRole): BudgetCommand {
  const rule = policy.roles[role];
  const amountMax = Math.ceil(rule.capPerGestureMinor * 1.2);
  const now = new Date(nowMs).toISOString();
  const known = state.status === 'active' ? [...state.gestures.values()] : [];
  const pending = known.filter((g) => g.current.status === 'pending');
  const roll = random();

  if (roll < 0.4 || known.length === 0) {
    const gestureId = requested.length > 0 && random() < 0.1 ? pick(random, requested) : `g-${step}`;
    const lateness = random() < 0.05 ? between(random, 30, 45) * 24 * 60 : random() < 0.05 ? -between(random, 0, 20) : between(random, 0, 5 * 24 * 60);
    const points = random() < 0.15;
    return request({
      gestureId,
      reservationId: `r-${step}`,
      customerId: `cust-${between(random, 1, 4)}`,
      gestureType: points ? 'bonus_loyalty_points' : 'goodwill_credit',
      value: points ? { kind: 'points', points: between(random, 1, amountMax) } : { kind: 'money', amount: { amountMinor: between(random, 1, amountMax), currency: 'USD' } },
      occurredAt: new Date(nowMs - lateness * minute).toISOString(),
      recordedAt: now,
    });
  }
  // Favour the newest escalation too: older ones have mostly expired, and approvals should get a fair share.
  const newest = pending[pending.length - 1];
  const target = roll < 0.65 && newest !== undefined && random() < 0.6 ? newest : pick(random, roll < 0.75 && pending.length > 0 ? pending : known);
  const reserved = target.current.status === 'pending' ? target.current.reservedMinor : 1_000;
  if (roll < 0.55) {
    return { type: 'ApproveGesture', data: { gestureId: target.gestureId, approvedAmountMinor: between(random, 0, reserved + 100), approver: pick(random, approvers), why: { reasonCode: null, note: null }, recordedAt: now } };
  }
  if (roll < 0.65) return { type: 'DenyGesture', data: { gestureId: target.gestureId, approver: pick(random, approvers), why: { reasonCode: null, note: null }, recordedAt: now } };
  if (roll < 0.75) return { type: 'ExpireEscalation', data: { gestureId: target.gestureId, actorId: 'svc-escalation-timer', recordedAt: now } };
  if (roll < 0.85) return { type: 'ReverseGesture', data: { gestureId: target.gestureId, by: pick(random, reversers), why: { reasonCode: null, note: null }, recordedAt: now } };
  const swing = Math.ceil(rule.allowanceMinor / 3);
  const delta = between(random, -swing, swing) || 1;
  return {
    type: 'AdjustBudget',
    data: { adjustmentId: `adj-${step}`, effectiveAt: new Date(nowMs - between(random, 0, 5 * 24 * 60) * minute).toISOString(), deltaMinor: delta, by: maya, why: { reasonCode: null, note: null }, recordedAt: now },
  };
}

/** Whatever else happens, no approval by the requester or by too junior a role may ever produce an event. */
function checkNeverAllowed(command: BudgetCommand, events: readonly BudgetEvent[]): void {
  if (command.type !== 'ApproveGesture' && command.type !== 'DenyGesture') return;
  const { approver } = command.data;
  if (approver.employeeId === alice || approver.role === 'associate') expect(events).toEqual([]);
}

function checkInvariants(state: ActiveBudget, model: EventModel, forgotten: Set<string>, where: string): void {
  for (const [key, ledger] of state.periods) {
    const expected = model.periods.get(key);
    if (expected === undefined) throw new Error(`${where}: state has period ${key} no event opened`);
    if (ledger.spentMinor + ledger.reservedMinor > ledger.allowanceMinor) throw new Error(`${where}: ${key} over allowance`);
    if (ledger.spentMinor < 0 || ledger.reservedMinor < 0) throw new Error(`${where}: ${key} negative`);
    const byCustomer = [...ledger.committedByCustomerMinor.values()].reduce((a, b) => a + b, 0);
    if (byCustomer !== ledger.spentMinor + ledger.reservedMinor) throw new Error(`${where}: ${key} customers hold ${byCustomer}`);
    if (ledger.allowanceMinor !== expected.allowance || ledger.spentMinor !== expected.spent || ledger.reservedMinor !== expected.reserved) {
      throw new Error(`${where}: ${key} state ${JSON.stringify({ a: ledger.allowanceMinor, s: ledger.spentMinor, r: ledger.reservedMinor })} vs events ${JSON.stringify(expected)}`);
    }
  }
  for (const [key, period] of model.periods) {
    if (period.spent + period.reserved > period.allowance) throw new Error(`${where}: events overspend ${key}`);
    if (!state.periods.has(key)) {
      if (period.reserved !== 0) throw new Error(`${where}: forgot ${key} while ${period.reserved} was reserved`);
      forgotten.add(key);
    }
  }
  const pendingCount = [...state.gestures.values()].filter((g) => g.current.status === 'pending').length;
  if (pendingCount !== state.openEscalations.size) throw new Error(`${where}: ${state.openEscalations.size} open escalations counted, ${pendingCount} pending`);
}

function periodKeyOf(event: BudgetEvent): string | null {
  switch (event.type) {
    case 'GestureGranted':
    case 'GestureEscalated':
      return event.data.period.key;
    case 'BudgetAdjusted':
      return event.data.period.key;
    default:
      return null;
  }
}

describe('budget invariants under random histories', () => {
  const runs: [number, StaffRole, number | null][] = [
    [1, 'associate', 10_000],
    [2, 'associate', null],
    [3, 'senior_associate', 30_000],
    [4, 'supervisor', 60_000],
    [5, 'manager', null],
  ];

  it.each(runs)('seed %i (%s): spent + reserved ≤ allowance and money is conserved at every step', (seed, role, override) => {
    const stats = run(seed, 3_000, role, override);
    for (const type of ['GestureGranted', 'GestureRefused', 'BudgetAdjusted']) expect(stats.eventCounts[type] ?? 0).toBeGreaterThan(0);
    if (role !== 'manager') {
      for (const type of ['GestureEscalated', 'GestureApproved', 'GestureDenied', 'EscalationExpired', 'GestureReversed']) expect(stats.eventCounts[type] ?? 0).toBeGreaterThan(0);
      for (const reason of ['self_approval_forbidden', 'approver_role_insufficient', 'not_pending']) expect(stats.refusalReasons).toContain(reason);
    }
    expect(stats.refusalReasons).toContain('allowance_below_committed');
    expect(stats.forgottenPeriods).toBeGreaterThan(0);
  });
});

describe('evolve refuses impossible histories', () => {
  it('crashes on a forged grant beyond the allowance', () => {
    const start = evolveBudget(initialBudgetState(), allocated());
    const forged = granted(request({ amountMinor: 20_001 }));
    expect(() => evolveBudget(start, forged)).toThrow(InvariantViolation);
  });

  it('crashes on a grant whose recorded allowance disagrees with the open period', () => {
    let state = evolveBudget(initialBudgetState(), allocated());
    state = evolveBudget(state, granted(request()));
    const forged = granted(request({ gestureId: 'g-2' }), { kind: 'day', key: '2026-11-23', endsOn: '2026-11-23', allowanceMinor: 99_999 });
    expect(() => evolveBudget(state, forged)).toThrow(InvariantViolation);
  });

  it('crashes on the same gesture granted twice', () => {
    let state = evolveBudget(initialBudgetState(), allocated());
    state = evolveBudget(state, granted(request()));
    expect(() => evolveBudget(state, granted(request()))).toThrow(InvariantViolation);
  });
});
