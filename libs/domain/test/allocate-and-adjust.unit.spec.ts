import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, discretionBudgetDecider, InvariantViolation, type ActiveBudget, type BudgetAuthority } from '#domain';
import { adjust, adjusted, alice, allocate, allocated, day, escalated, granted, maya, policy, request } from './budget-fixtures.js';

const given = DeciderSpecification.for(discretionBudgetDecider, policy);
const bobAssociate: BudgetAuthority = { employeeId: 'emp-bob', actorId: 'sso|emp-bob', role: 'associate' };

describe('AllocateBudget', () => {
  describe('on a budget never allocated', () => {
    it('enrols the employee with the home store’s time zone and the policy currency', () => {
      given([]).when(allocate()).then([allocated()]);
    });

    it('records an allowance override', () => {
      given([]).when(allocate({ allowanceOverrideMinor: 35_000 })).then([allocated({ allowanceOverrideMinor: 35_000 })]);
    });

    it('refuses anyone but a manager or an admin', () => {
      given([]).when(allocate({ by: bobAssociate })).thenRefused('not_authorized');
      given([]).when(allocate({ by: { employeeId: 'emp-sam', actorId: 'sso|emp-sam', role: 'supervisor' } })).thenRefused('not_authorized');
    });

    it('refuses a manager enrolling themselves', () => {
      given([]).when(allocate({ by: { ...maya, employeeId: alice } })).thenRefused('self_allocation_forbidden');
    });

    it('refuses a store the policy does not know', () => {
      given([]).when(allocate({ storeId: 'atlantis' })).thenRefused('unknown_store');
      given([]).when(allocate({ storeId: '__proto__' })).thenRefused('unknown_store');
    });
  });

  describe('on an allocated budget', () => {
    it('returns nothing for the same allocation again', () => {
      given([allocated()]).when(allocate()).thenNothingHappened();
    });

    it('reallocates on promotion; open periods keep their allowance, new ones use the new role', () => {
      const history = [allocated(), granted(request())];
      const promoted = allocated({ role: 'senior_associate', recordedAt: '2026-11-23T19:00:00.000Z' });
      given(history).when(allocate({ role: 'senior_associate', recordedAt: '2026-11-23T19:00:00.000Z' })).then([promoted]);
      const state = given([...history, promoted]).state() as ActiveBudget;
      expect(state.periods.get('2026-11-23')!.allowanceMinor).toBe(20_000);
      const tomorrow = request({ gestureId: 'g-2', amountMinor: 7_000, occurredAt: '2026-11-24T18:00:00.000Z', recordedAt: '2026-11-24T18:00:01.000Z' });
      given([...history, promoted]).when(tomorrow).then([granted(tomorrow, day('2026-11-24', 50_000))]);
    });

    it('crashes when sent to another employee’s stream', () => {
      given([allocated()]).when(allocate({ employeeId: 'emp-zoe' })).thenThrows(InvariantViolation);
    });
  });
});

describe('AdjustBudget', () => {
  describe('on an allocated budget', () => {
    it('tops up a period not yet opened, starting from the role’s allowance', () => {
      given([allocated()]).when(adjust(5_000)).then([adjusted(5_000, 20_000)]);
    });

    it('returns nothing when the same adjustment comes again', () => {
      given([allocated(), adjusted(5_000, 20_000)]).when(adjust(5_000)).thenNothingHappened();
    });

    it('refuses another amount under an adjustment id already used, even the next day', () => {
      given([allocated(), adjusted(5_000, 20_000)]).when(adjust(50_000)).thenRefused('idempotency_key_reused');
      given([allocated(), adjusted(5_000, 20_000)]).when(adjust(-5_000, { effectiveAt: '2026-11-24T18:00:00.000Z', recordedAt: '2026-11-24T18:00:00.000Z' })).thenRefused('idempotency_key_reused');
    });

    it('returns nothing for a retry that arrives the next day, when the server would default to the next period', () => {
      const nextDay = adjust(5_000, { effectiveAt: '2026-11-24T18:00:00.000Z', recordedAt: '2026-11-24T18:00:00.000Z' });
      given([allocated(), adjusted(5_000, 20_000)]).when(nextDay).thenNothingHappened();
    });

    it('lowers the allowance down to exactly what is committed', () => {
      const history = [allocated(), granted(another(2, 2_000)), escalated(another(3, 4_000))];
      given(history).when(adjust(-14_000)).then([adjusted(-14_000, 20_000)]);
    });

    it('refuses to lower the allowance below what is spent and reserved', () => {
      const history = [allocated(), granted(another(2, 2_000)), escalated(another(3, 4_000))];
      given(history).when(adjust(-14_001)).thenRefused('allowance_below_committed');
    });

    it('refuses anyone but a manager or an admin, and self-service', () => {
      given([allocated()]).when(adjust(5_000, { by: bobAssociate })).thenRefused('not_authorized');
      given([allocated()]).when(adjust(5_000, { by: { ...maya, employeeId: alice } })).thenRefused('self_adjustment_forbidden');
    });

    it('takes effect up to a year ahead, and refuses further (a period that far would stay in the budget until it closed)', () => {
      given([allocated()]).when(adjust(5_000, { effectiveAt: '2027-11-23T12:00:00.000Z' })).then([adjusted(5_000, 20_000, { period: { kind: 'day', key: '2027-11-23', endsOn: '2027-11-23' } })]);
      given([allocated()]).when(adjust(5_000, { effectiveAt: '2027-11-25T18:00:00.000Z' })).thenRefused('effective_too_far_ahead');
      given([allocated()]).when(adjust(5_000, { effectiveAt: '9999-12-31T23:59:59.000Z' })).thenRefused('effective_too_far_ahead');
    });

    it('refuses a period closed to late uploads', () => {
      given([allocated()]).when(adjust(5_000, { effectiveAt: '2026-10-01T18:00:00.000Z' })).thenRefused('period_closed');
    });

    it('crashes on a zero adjustment the edge should have rejected', () => {
      given([allocated()]).when(adjust(0)).thenThrows(InvariantViolation);
    });
  });

  it('refuses on a budget never allocated', () => {
    given([]).when(adjust(5_000)).thenRefused('no_budget');
  });
});

function another(n: number, amountMinor: number) {
  return request({ gestureId: `g-${n}`, reservationId: `r-${n}`, customerId: `cust-${n}`, amountMinor });
}
