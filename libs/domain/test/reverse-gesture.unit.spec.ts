import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, discretionBudgetDecider, initialBudgetState, type ActiveBudget, type BudgetAuthority, type BudgetEvent, type GestureApproved, type GestureReversed, type RequestGesture } from '#domain';
import { alice, allocated, approve, day, escalated, factsOf, financeSystem, granted, maya, policy, request, reverse, sean } from './budget-fixtures.js';

const given = DeciderSpecification.for(discretionBudgetDecider, policy);
const aliceHerself: BudgetAuthority = { employeeId: alice, actorId: 'till-sm-07', role: 'associate' };
const bobPeer: BudgetAuthority = { employeeId: 'emp-bob', actorId: 'sso|emp-bob', role: 'associate' };

function reversedEvent(gesture: RequestGesture, by: BudgetAuthority, returnedMinor: number, periodKey = '2026-11-23', returnedPoints: number | null = null): GestureReversed {
  const command = reverse(by);
  return {
    type: 'GestureReversed',
    schemaVersion: 1,
    data: {
      ...factsOf(gesture),
      who: { employeeId: by.employeeId, actorId: by.actorId },
      why: command.data.why,
      when: { occurredAt: command.data.recordedAt, recordedAt: command.data.recordedAt },
      periodKey,
      returned: { amountMinor: returnedMinor, currency: 'USD' },
      returnedPoints,
      reversedBy: by,
    },
  };
}

function spentIn(events: BudgetEvent[], periodKey: string): number {
  const state = events.reduce(discretionBudgetDecider.evolve, initialBudgetState()) as ActiveBudget;
  return state.periods.get(periodKey)!.spentMinor;
}

describe('ReverseGesture', () => {
  describe('on a granted gesture', () => {
    const history = [allocated(), granted(request())];

    it('refuses the employee undoing their own gesture, which would give them its amount to spend again', () => {
      given(history).when(reverse(aliceHerself)).thenRefused('self_reversal_forbidden');
    });

    it('refuses a supervisor or manager undoing their own gesture, whatever their role', () => {
      const charged = {
        supervisor: { kind: 'week', key: '2026-W48', endsOn: '2026-11-29', allowanceMinor: 250_000 },
        manager: { kind: 'month', key: '2026-11', endsOn: '2026-11-30', allowanceMinor: 1_500_000 },
      } as const;
      for (const role of ['supervisor', 'manager'] as const) {
        const self: BudgetAuthority = { employeeId: alice, actorId: `sso|${alice}`, role };
        given([allocated({ role }), granted(request(), charged[role])]).when(reverse(self)).thenRefused('self_reversal_forbidden');
      }
    });

    it('lets someone senior or a back-office system undo it, returning its amount', () => {
      given(history).when(reverse(maya)).then([reversedEvent(request(), maya, 1_000)]);
      expect(spentIn([...history, reversedEvent(request(), maya, 1_000)], '2026-11-23')).toBe(0);
      given(history).when(reverse(financeSystem)).then([reversedEvent(request(), financeSystem, 1_000)]);
    });

    it('refuses a peer', () => {
      given(history).when(reverse(bobPeer)).thenRefused('not_authorized');
    });

    it('returns nothing when the same actor repeats the reversal, and refuses another actor', () => {
      const done = [...history, reversedEvent(request(), maya, 1_000)];
      given(done).when(reverse(maya)).thenNothingHappened();
      given(done).when(reverse(financeSystem)).thenRefused('already_reversed');
    });
  });

  describe('on a gesture uploaded late into an earlier day', () => {
    const lastWeek = request({ occurredAt: '2026-11-18T18:00:00.000Z', recordedAt: '2026-11-23T18:00:00.000Z' });
    const history = [allocated(), granted(lastWeek, day('2026-11-18')), granted(request({ gestureId: 'g-2' }))];

    it('returns the amount to the day it was charged to, not to today', () => {
      const event = reversedEvent(lastWeek, maya, 1_000, '2026-11-18');
      given(history).when(reverse(maya)).then([event]);
      expect(spentIn([...history, event], '2026-11-18')).toBe(0);
      expect(spentIn([...history, event], '2026-11-23')).toBe(1_000);
    });
  });

  describe('on an escalated gesture', () => {
    const asked = request({ gestureType: 'bonus_loyalty_points', value: { kind: 'points', points: 4_000 } });
    const pending = [allocated(), escalated(asked, { points: 4_000 })];

    it('refuses while it is pending', () => {
      given(pending).when(reverse(maya)).thenRefused('not_reversible');
    });

    it('returns the approved amount and points once approved', () => {
      const decision = given(pending).when(approve(3_000)).decision();
      const approved = (decision as readonly GestureApproved[])[0]!;
      given([...pending, approved]).when(reverse(maya)).then([reversedEvent(asked, maya, 3_000, '2026-11-23', 3_000)]);
    });
  });

  it('refuses an unknown gesture and a budget never allocated', () => {
    given([allocated()]).when(reverse(maya)).thenRefused('unknown_gesture');
    given([]).when(reverse(maya)).thenRefused('no_budget');
  });

  it('refuses a gesture that was denied', () => {
    const decision = given([allocated(), escalated(request({ amountMinor: 4_000 }))]).when({ type: 'DenyGesture', data: { gestureId: 'g-1', approver: sean, why: { reasonCode: null, note: null }, recordedAt: '2026-11-23T18:05:00.000Z' } }).decision();
    given([allocated(), escalated(request({ amountMinor: 4_000 })), ...(decision as BudgetEvent[])]).when(reverse(maya)).thenRefused('not_reversible');
  });
});
