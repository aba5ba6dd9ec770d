import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, discretionBudgetDecider, outcomeOf, type ActiveBudget, type BudgetEvent } from '#domain';
import { adjust, adjusted, allocated, approve, day, escalated, granted, policy, policyWith, refused, request, sean } from './budget-fixtures.js';

const given = DeciderSpecification.for(discretionBudgetDecider, policy);

describe('budget periods', () => {
  describe('in the store’s time zone', () => {
    it('charges a manager’s 23:30 gesture on the last evening of November to November', () => {
      const lateEvening = request({ amountMinor: 5_000, occurredAt: '2026-12-01T07:30:00.000Z', recordedAt: '2026-12-01T07:30:02.000Z' });
      given([allocated({ role: 'manager' })])
        .when(lateEvening)
        .then([granted(lateEvening, { kind: 'month', key: '2026-11', endsOn: '2026-11-30', allowanceMinor: 1_500_000 })]);
    });

    it('charges a supervisor’s gesture to the ISO week', () => {
      const command = request({ amountMinor: 5_000 });
      given([allocated({ role: 'supervisor' })])
        .when(command)
        .then([granted(command, { kind: 'week', key: '2026-W48', endsOn: '2026-11-29', allowanceMinor: 250_000 })]);
    });

    describe('after a later policy version moves the home store to another time zone', () => {
      const movedToNewYork = policyWith((p) => {
        p.version = 2;
        p.stores['la-santa-monica']!.timeZone = 'America/New_York';
      });
      const givenMoved = DeciderSpecification.for(discretionBudgetDecider, movedToNewYork);

      it('draws the days the gesture and the adjustment fall in on the store’s new calendar', () => {
        // 22:00 on 11-23 in Los Angeles, where the budget was allocated, is 01:00 on 11-24 in New York.
        const lateEvening = request({ occurredAt: '2026-11-24T06:00:00.000Z', recordedAt: '2026-11-24T06:00:02.000Z' });
        const charged = granted(lateEvening, day('2026-11-24'));
        givenMoved([allocated()]).when(lateEvening).then([{ ...charged, data: { ...charged.data, policyVersion: 2 } }]);
        const topUp = adjust(500, { effectiveAt: '2026-11-24T06:00:00.000Z', recordedAt: '2026-11-24T06:00:02.000Z' });
        givenMoved([allocated()]).when(topUp).then([adjusted(500, 20_000, { period: { kind: 'day', key: '2026-11-24', endsOn: '2026-11-24' }, recordedAt: '2026-11-24T06:00:02.000Z', policyVersion: 2 })]);
      });

      it('never reopens a period the budget forgot on the old calendar, when the new one is behind', () => {
        // 00:30 on 11-23 in Santa Monica closed and forgot 10-18; in Honolulu it is still 11-22, where 10-18 would be open.
        const movedToHonolulu = policyWith((p) => {
          p.stores['la-santa-monica']!.timeZone = 'Pacific/Honolulu';
        });
        const history = [
          allocated({ allowanceOverrideMinor: 2_000 }),
          granted(request({ gestureId: 'g-old', amountMinor: 2_000, occurredAt: '2026-10-18T18:00:00.000Z', recordedAt: '2026-10-18T18:00:00.000Z' }), day('2026-10-18', 2_000)),
          granted(request({ gestureId: 'g-now', amountMinor: 100, occurredAt: '2026-11-23T08:30:00.000Z', recordedAt: '2026-11-23T08:30:00.000Z' }), day('2026-11-23', 2_000)),
        ];
        const lateUpload = request({ gestureId: 'g-late', amountMinor: 500, occurredAt: '2026-10-18T12:00:00.000-10:00', recordedAt: '2026-11-23T08:40:00.000Z' });
        DeciderSpecification.for(discretionBudgetDecider, movedToHonolulu)(history).when(lateUpload).then([refused(lateUpload, 'period_closed', '2026-10-18')]);
      });
    });

    it('gives each local day its own allowance', () => {
      const spentMonday = [allocated({ allowanceOverrideMinor: 2_000 }), granted(request({ amountMinor: 2_000 }), day('2026-11-23', 2_000))];
      const sameDay = request({ gestureId: 'g-2', amountMinor: 1, occurredAt: '2026-11-24T07:59:00.000Z', recordedAt: '2026-11-24T08:00:00.000Z' });
      given(spentMonday).when(sameDay).then([refused(sameDay, 'allowance_exhausted', '2026-11-23')]);
      const tuesday = request({ gestureId: 'g-2', amountMinor: 1, occurredAt: '2026-11-24T08:00:00.000Z', recordedAt: '2026-11-24T08:00:01.000Z' });
      given(spentMonday).when(tuesday).then([granted(tuesday, day('2026-11-24', 2_000))]);
    });
  });

  describe('with an offline till uploading late', () => {
    const today = [allocated({ allowanceOverrideMinor: 2_000 }), granted(request({ gestureId: 'g-today', amountMinor: 2_000, recordedAt: '2026-11-27T18:00:00.000Z', occurredAt: '2026-11-27T18:00:00.000Z' }), day('2026-11-27', 2_000))];

    it('charges the day the gesture happened, not the day it arrived', () => {
      const fromLastWeek = request({ amountMinor: 1_500, occurredAt: '2026-11-20T18:00:00.000Z', recordedAt: '2026-11-27T18:05:00.000Z' });
      given(today).when(fromLastWeek).then([granted(fromLastWeek, day('2026-11-20', 2_000))]);
    });

    it('refuses when the past day is already spent, though today has room', () => {
      const pastSpent = [...today, granted(request({ gestureId: 'g-past', amountMinor: 1_500, occurredAt: '2026-11-20T18:00:00.000Z', recordedAt: '2026-11-27T18:05:00.000Z' }), day('2026-11-20', 2_000))];
      const another = request({ gestureId: 'g-2', amountMinor: 600, occurredAt: '2026-11-20T19:00:00.000Z', recordedAt: '2026-11-27T18:06:00.000Z' });
      given(pastSpent).when(another).then([refused(another, 'allowance_exhausted', '2026-11-20')]);
    });

    it('accepts an upload on the last day of the window and refuses it the day after', () => {
      const sameGesture = (recordedAt: string) => request({ amountMinor: 100, occurredAt: '2026-11-20T18:00:00.000Z', recordedAt });
      given([allocated()]).when(sameGesture('2026-12-26T07:00:00.000Z')).then([granted(sameGesture('2026-12-26T07:00:00.000Z'), day('2026-11-20'))]);
      given([allocated()]).when(sameGesture('2026-12-26T09:00:00.000Z')).then([refused(sameGesture('2026-12-26T09:00:00.000Z'), 'period_closed', '2026-11-20')]);
    });
  });

  describe('as time passes', () => {
    const november = [allocated(), granted(request()), escalated(request({ gestureId: 'g-2', reservationId: 'r-2', amountMinor: 4_000, customerId: 'cust-2', occurredAt: '2026-11-24T18:00:00.000Z', recordedAt: '2026-11-24T18:00:00.000Z' }), { period: day('2026-11-24'), expiresAt: '2026-11-24T18:30:00.000Z' })];
    const muchLater = granted(request({ gestureId: 'g-jan', occurredAt: '2027-01-05T18:00:00.000Z', recordedAt: '2027-01-05T18:00:00.000Z' }), day('2027-01-05'));

    it('forgets closed periods and their gestures, but keeps periods holding a reservation', () => {
      const state = given([...november, muchLater]).state() as ActiveBudget;
      expect([...state.periods.keys()].sort()).toEqual(['2026-11-24', '2027-01-05']);
      expect(outcomeOf(state, 'g-1')).toBeUndefined();
      expect(outcomeOf(state, 'g-2')).toMatchObject({ outcome: 'escalated', status: 'pending' });
    });

    it('forgets the period holding a reservation a day after it is released', () => {
      const expired = given([...november, muchLater]).when({ type: 'ExpireEscalation', data: { gestureId: 'g-2', actorId: 'svc-escalation-timer', recordedAt: '2027-01-05T18:01:00.000Z' } }).decision() as BudgetEvent[];
      const released = given([...november, muchLater, ...expired]).state() as ActiveBudget;
      expect(outcomeOf(released, 'g-2')).toMatchObject({ status: 'expired' });
      const dayAfter = granted(request({ gestureId: 'g-next', occurredAt: '2027-01-06T18:01:00.000Z', recordedAt: '2027-01-06T18:01:00.000Z' }), day('2027-01-06'));
      const state = given([...november, muchLater, ...expired, dayAfter]).state() as ActiveBudget;
      expect([...state.periods.keys()]).toEqual(['2027-01-05', '2027-01-06']);
      expect(state.gestures.size).toBe(2);
    });

    it('never reopens a forgotten period, even for a server whose clock lags behind', () => {
      const lagging = request({ gestureId: 'g-3', amountMinor: 100, occurredAt: '2026-11-23T20:00:00.000Z', recordedAt: '2026-11-25T18:00:00.000Z' });
      const answer = given([...november, muchLater]).when(lagging).decision() as BudgetEvent[];
      // g-2's reservation is long overdue by the request's clock too, so its expiry is recorded first.
      expect(answer.map((e) => e.type)).toEqual(['EscalationExpired', 'GestureRefused']);
      expect(answer.at(-1)).toEqual(refused(lagging, 'period_closed', '2026-11-23'));
    });

    it('never reopens a period after a move to a store whose day is behind (a fresh allowance would overspend it)', () => {
      // 00:30 on 11-23 in Santa Monica closes 10-18 to uploads (35 days' window), and the period is forgotten;
      // in Honolulu it is still 11-22, where 10-18 would be open.
      const spentDay = request({ gestureId: 'g-old', amountMinor: 2_000, occurredAt: '2026-10-18T18:00:00.000Z', recordedAt: '2026-10-18T18:00:00.000Z' });
      const history = [
        allocated({ allowanceOverrideMinor: 2_000 }),
        granted(spentDay, day('2026-10-18', 2_000)),
        granted(request({ gestureId: 'g-now', amountMinor: 100, occurredAt: '2026-11-23T08:30:00.000Z', recordedAt: '2026-11-23T08:30:00.000Z' }), day('2026-11-23', 2_000)),
        allocated({ allowanceOverrideMinor: 2_000, storeId: 'honolulu-resort-hotel', timeZone: 'Pacific/Honolulu', recordedAt: '2026-11-23T08:35:00.000Z' }),
      ];
      expect([...(given(history).state() as ActiveBudget).periods.keys()]).toEqual(['2026-11-23']);
      const lateUpload = request({ gestureId: 'g-late', amountMinor: 500, occurredAt: '2026-10-18T12:00:00.000-10:00', recordedAt: '2026-11-23T08:40:00.000Z', where: { channel: 'pos', storeId: 'honolulu-resort-hotel' } });
      given(history).when(lateUpload).then([refused(lateUpload, 'period_closed', '2026-10-18')]);
    });

    describe('with an escalation still pending when its period closes', () => {
      // Uploaded at 23:50 on the last evening 10-18 takes uploads and escalated for 30 minutes; 00:00 on 11-23 closes 10-18.
      const lateEscalation = request({ amountMinor: 4_000, occurredAt: '2026-10-18T18:00:00.000Z', recordedAt: '2026-11-23T07:50:00.000Z' });
      const history = [allocated(), escalated(lateEscalation, { period: day('2026-10-18'), expiresAt: '2026-11-23T08:20:00.000Z' })];
      const approval = approve(null, sean, { recordedAt: '2026-11-23T08:10:00.000Z' });
      const approved = given(history).when(approval).decision() as BudgetEvent[];

      it('still finds the gesture after the approval settles it: the answer, a retry and a reversal see it', () => {
        expect(approved.map((e) => e.type)).toEqual(['GestureApproved']);
        const after = given([...history, ...approved]).state() as ActiveBudget;
        expect(outcomeOf(after, 'g-1')).toMatchObject({ status: 'approved' });
        given([...history, ...approved]).when(approval).then([]);
      });

      it('forgets that period a day after the settlement', () => {
        const nextDay = granted(request({ gestureId: 'g-next', occurredAt: '2026-11-24T08:11:00.000Z', recordedAt: '2026-11-24T08:11:00.000Z' }), day('2026-11-24'));
        const state = given([...history, ...approved, nextDay]).state() as ActiveBudget;
        expect([...state.periods.keys()]).toEqual(['2026-11-24']);
      });
    });

    it('keeps at most the allowed number of refusals', () => {
      const refusals: BudgetEvent[] = [];
      for (let n = 0; n < 600; n += 1) refusals.push(refused(request({ gestureId: `g-${n}` }), 'no_budget'));
      const state = given(refusals).state();
      expect(state.refusals.size).toBe(500);
      expect(state.refusals.has('g-99')).toBe(false);
      expect(state.refusals.has('g-100')).toBe(true);
    });
  });
});
