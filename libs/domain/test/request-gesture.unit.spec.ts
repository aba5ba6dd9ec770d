import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, discretionBudgetDecider, InvariantViolation, outcomeOf, type BudgetEvent } from '#domain';
import { adjusted, allocated, another, day, escalated, granted, policy, policyWith, refused, request } from './budget-fixtures.js';

const given = DeciderSpecification.for(discretionBudgetDecider, policy);

describe('RequestGesture', () => {
  describe('on a budget never allocated', () => {
    it('refuses with no_budget, and records the refusal', () => {
      given([]).when(request()).then([refused(request(), 'no_budget')]);
    });

    it('answers a repeated request with nothing; the first outcome stands', () => {
      const spec = given([refused(request(), 'no_budget')]);
      spec.when(request()).thenNothingHappened();
      expect(outcomeOf(spec.state(), 'g-1')).toEqual({ outcome: 'refused', gestureId: 'g-1', reason: 'no_budget', periodKey: null });
    });
  });

  describe('on an allocated budget', () => {
    const start = [allocated()];

    it('grants a gesture within the auto-approval limit, charging the local day', () => {
      given(start).when(request({ amountMinor: 2_500 })).then([granted(request({ amountMinor: 2_500 }))]);
    });

    it('escalates above the auto-approval limit, reserving the amount until the TTL', () => {
      const command = request({ amountMinor: 4_000 });
      given(start).when(command).then([escalated(command, { approverRole: 'senior_associate', expiresAt: '2026-11-23T18:30:05.000Z' })]);
    });

    it('escalates above the own cap to the approver whose cap covers it', () => {
      const open = policyWith((p) => {
        p.roles.associate.capPerCustomerPerPeriodMinor = 20_000;
      });
      const command = request({ amountMinor: 16_000 });
      // The senior associate may only give $150.00, so a $160.00 gesture goes one step further up.
      DeciderSpecification.for(discretionBudgetDecider, open)(start)
        .when(command)
        .then([escalated(command, { approverRole: 'supervisor' })]);
    });

    it('refuses an amount above every cap in the approval chain', () => {
      const manager = allocated({ role: 'manager' });
      const command = request({ amountMinor: 200_001 });
      given([manager]).when(command).then([refused(command, 'over_gesture_cap', '2026-11')]);
    });

    it('grants a manager up to their cap without escalation, charging the month', () => {
      const command = request({ amountMinor: 200_000 });
      given([allocated({ role: 'manager' })])
        .when(command)
        .then([granted(command, { kind: 'month', key: '2026-11', endsOn: '2026-11-30', allowanceMinor: 1_500_000 })]);
    });

    it('charges bonus points at the policy point value and keeps the points on the event', () => {
      const command = request({ gestureType: 'bonus_loyalty_points', value: { kind: 'points', points: 2_000 } });
      given(start).when(command).then([granted(command, day('2026-11-23'), 2_000)]);
    });

    it('escalates bonus points above the limit, remembering the point value', () => {
      const command = request({ gestureType: 'bonus_loyalty_points', value: { kind: 'points', points: 4_000 } });
      given(start).when(command).then([escalated(command, { points: 4_000 })]);
    });

    it('needs no reason code where the catalogue does not require one', () => {
      const command = request({ gestureType: 'free_shipping', why: { reasonCode: null, note: null }, amountMinor: 899 });
      given(start).when(command).then([granted(command)]);
    });

    const refusals: [string, Parameters<typeof request>[0], string, string | null][] = [
      ['a regulated gesture type', { gestureType: 'cash_payout', why: { reasonCode: 'claim_settlement', note: 'Insurance claim' } }, 'regulated_category', null],
      ['a channel the gesture type does not allow', { gestureType: 'discount', where: { channel: 'call_center', storeId: 'la-santa-monica' }, why: { reasonCode: 'loyal_customer', note: null } }, 'channel_not_allowed', null],
      ['a missing reason code', { why: { reasonCode: null, note: 'Order arrived damaged' } }, 'reason_code_required', null],
      ['a reason code the type does not list', { why: { reasonCode: 'felt_like_it', note: 'Order arrived damaged' } }, 'reason_code_not_allowed', null],
      ['a missing note', { why: { reasonCode: 'service_failure', note: null } }, 'note_required', null],
      ['a blank note', { why: { reasonCode: 'service_failure', note: '   ' } }, 'note_required', null],
      ['a store the policy does not know', { where: { channel: 'pos', storeId: 'atlantis' } }, 'unknown_store', null],
      ['money for a points gesture', { gestureType: 'bonus_loyalty_points' }, 'cost_kind_mismatch', null],
      ['points for a money gesture', { value: { kind: 'points', points: 100 } }, 'cost_kind_mismatch', null],
      ['another currency', { value: { kind: 'money', amount: { amountMinor: 1_000, currency: 'EUR' } } }, 'currency_mismatch', null],
      ['a till clock far ahead of the server', { occurredAt: '2026-11-23T18:20:00.000Z' }, 'occurred_in_future', null],
      ['a gesture in a period closed to late uploads', { occurredAt: '2026-10-01T18:00:00.000Z' }, 'period_closed', '2026-10-01'],
    ];
    it.each(refusals)('refuses %s', (_, overrides, reason, periodKey) => {
      const command = request(overrides);
      given(start).when(command).then([refused(command, reason as never, periodKey)]);
    });

    describe('dated in the past', () => {
      // recordedSoonAfter is 18:00:05Z; the live limit is 60 minutes.
      const fromStaff = (occurredAt: string) => request({ occurredAt, sentByTill: false, who: { employeeId: 'emp-alice', actorId: 'emp-alice' } });

      it('refuses a staff session charging an earlier day’s allowance (occurred_too_long_ago)', () => {
        const command = fromStaff('2026-11-22T18:00:00.000Z');
        given(start).when(command).then([refused(command, 'occurred_too_long_ago', null)]);
      });

      it('refuses a staff session just past the live limit, and grants one just within it', () => {
        const late = fromStaff('2026-11-23T17:00:04.000Z');
        given(start).when(late).then([refused(late, 'occurred_too_long_ago', null)]);
        const slow = fromStaff('2026-11-23T17:00:06.000Z');
        given(start).when(slow).then([granted(slow)]);
      });

      it('grants a till’s offline upload from an earlier day, charging that day', () => {
        const command = request({ occurredAt: '2026-11-22T18:00:00.000Z' });
        given(start).when(command).then([granted(command, day('2026-11-22'))]);
      });

      it('judges a staff session’s gesture by when it reached the system, not when a backlog got to it', () => {
        const queued = { ...fromStaff('2026-11-23T15:30:00.000Z') };
        const late = { ...queued, data: { ...queued.data, receivedAt: '2026-11-23T15:31:00.000Z', recordedAt: '2026-11-23T18:00:05.000Z' } };
        given(start).when(late).then([granted(late)]);
        const sentLate = { ...queued, data: { ...queued.data, receivedAt: '2026-11-23T16:31:00.000Z', recordedAt: '2026-11-23T18:00:05.000Z' } };
        given(start).when(sentLate).then([refused(sentLate, 'occurred_too_long_ago', null)]);
      });

      it('answers a staff session’s retry with the first outcome, however late the retry', () => {
        const first = fromStaff('2026-11-23T17:59:00.000Z');
        const retry = { ...first, data: { ...first.data, recordedAt: '2026-11-24T09:00:00.000Z' } };
        given([...start, granted(first)]).when(retry).thenNothingHappened();
      });
    });

    it('accepts a till clock slightly ahead of the server', () => {
      const command = request({ occurredAt: '2026-11-23T18:09:00.000Z' });
      given(start).when(command).then([granted(command)]);
    });

    it('crashes on a request routed to another employee’s budget', () => {
      given(start).when(request({ who: { employeeId: 'emp-zoe', actorId: 'till-sm-07' } })).thenThrows(InvariantViolation, 'budget of emp-alice');
    });

    it('crashes on amounts the edge should have rejected', () => {
      given(start).when(request({ amountMinor: 0 })).thenThrows(InvariantViolation);
      given(start).when(request({ amountMinor: 10.5 })).thenThrows(InvariantViolation);
      given(start).when(request({ occurredAt: '2026-11-23 10:00' })).thenThrows(InvariantViolation);
    });
  });

  describe('with gestures already given today', () => {
    it('refuses when the customer would pass the per-customer cap', () => {
      const history = [allocated(), granted(another(2, { amountMinor: 2_500 })), granted(another(3, { amountMinor: 2_500 }))];
      const command = request({ amountMinor: 2_501 });
      given(history).when(command).then([refused(command, 'customer_cap_exceeded', '2026-11-23')]);
    });

    it('counts reservations against the per-customer cap, and applies it per customer', () => {
      const history = [allocated(), escalated(another(2, { amountMinor: 5_000 })), granted(another(3, { amountMinor: 2_500 }))];
      given(history).when(request({ amountMinor: 1 })).then([refused(request({ amountMinor: 1 }), 'customer_cap_exceeded', '2026-11-23')]);
      const otherCustomer = request({ customerId: 'cust-2', amountMinor: 2_500 });
      given(history).when(otherCustomer).then([granted(otherCustomer)]);
    });

    it('refuses a grant that does not fit the allowance', () => {
      const history = [allocated({ allowanceOverrideMinor: 3_000 }), granted(another(2, { amountMinor: 2_500, customerId: 'cust-2' }), day('2026-11-23', 3_000))];
      const command = request({ amountMinor: 501 });
      given(history).when(command).then([refused(command, 'allowance_exhausted', '2026-11-23')]);
    });

    it('refuses an escalation whose reservation does not fit the allowance', () => {
      const history = [allocated({ allowanceOverrideMinor: 5_000 }), escalated(another(2, { amountMinor: 3_000, customerId: 'cust-2' }), { period: day('2026-11-23', 5_000) })];
      const command = request({ amountMinor: 2_600 });
      given(history).when(command).then([refused(command, 'allowance_exhausted', '2026-11-23')]);
    });

    it('grants exactly up to the allowance', () => {
      const history = [allocated({ allowanceOverrideMinor: 3_000 }), granted(another(2, { amountMinor: 2_500, customerId: 'cust-2' }), day('2026-11-23', 3_000))];
      const command = request({ amountMinor: 500 });
      given(history).when(command).then([granted(command, day('2026-11-23', 3_000))]);
    });

    it('grants after a manager topped up the day', () => {
      const history = [
        allocated({ allowanceOverrideMinor: 3_000 }),
        granted(another(2, { amountMinor: 2_500, customerId: 'cust-2' }), day('2026-11-23', 3_000)),
        adjusted(2_000, 3_000),
      ];
      const command = request({ amountMinor: 2_000 });
      given(history).when(command).then([granted(command, day('2026-11-23', 5_000))]);
    });

    it('refuses a new escalation once the open escalations reach their limit', () => {
      const history: BudgetEvent[] = [allocated({ allowanceOverrideMinor: 1_000_000 })];
      for (let n = 2; n < 52; n += 1) {
        history.push(escalated(another(n, { amountMinor: 2_600, customerId: `cust-${n}` }), { period: day('2026-11-23', 1_000_000) }));
      }
      const command = request({ amountMinor: 2_600 });
      given(history).when(command).then([refused(command, 'too_many_open_escalations', '2026-11-23')]);
      given(history).when(request({ amountMinor: 100 })).then([granted(request({ amountMinor: 100 }), day('2026-11-23', 1_000_000))]);
    });

    it('refuses any gesture once the period holds its limit of gestures', () => {
      const history: BudgetEvent[] = [allocated()];
      for (let n = 2; n < 1_002; n += 1) history.push(granted(another(n, { amountMinor: 1, customerId: `cust-${n}` })));
      const command = request({ amountMinor: 1 });
      given(history).when(command).then([refused(command, 'period_gesture_limit_reached', '2026-11-23')]);
    });
  });

  describe('when the same gesture id comes again', () => {
    it('returns nothing for a granted gesture and reports the grant', () => {
      const spec = given([allocated(), granted(request())]);
      spec.when(request()).thenNothingHappened();
      expect(outcomeOf(spec.state(), 'g-1')).toEqual({ outcome: 'granted', gestureId: 'g-1', cost: { amountMinor: 1_000, currency: 'USD' }, points: null, periodKey: '2026-11-23', status: 'granted' });
    });

    it('returns nothing for an escalated gesture and reports its reservation and expiry', () => {
      const command = request({ amountMinor: 4_000 });
      const spec = given([allocated(), escalated(command)]);
      spec.when(command).thenNothingHappened();
      expect(outcomeOf(spec.state(), 'g-1')).toMatchObject({ outcome: 'escalated', reservationId: 'r-1', expiresAt: '2026-11-23T18:30:05.000Z', approverRole: 'senior_associate', status: 'pending' });
    });

    it('returns nothing for a refused gesture even when it would now pass', () => {
      const tooMuch = request({ amountMinor: 501 });
      const spec = given([allocated({ allowanceOverrideMinor: 500 }), refused(tooMuch, 'allowance_exhausted', '2026-11-23'), adjusted(10_000, 500)]);
      spec.when(tooMuch).thenNothingHappened();
      expect(outcomeOf(spec.state(), 'g-1')).toEqual({ outcome: 'refused', gestureId: 'g-1', reason: 'allowance_exhausted', periodKey: '2026-11-23' });
    });

    it('ignores the body of the repeat: the id alone identifies the gesture', () => {
      given([allocated(), granted(request())]).when(request({ amountMinor: 4_999 })).thenNothingHappened();
    });

    it('still remembers a refusal from before the budget was allocated', () => {
      const spec = given([refused(request(), 'no_budget'), allocated()]);
      spec.when(request()).thenNothingHappened();
      expect(outcomeOf(spec.state(), 'g-1')).toMatchObject({ outcome: 'refused', reason: 'no_budget' });
    });

    it('knows nothing of a gesture never requested', () => {
      expect(outcomeOf(given([allocated()]).state(), 'g-404')).toBeUndefined();
    });
  });
});
