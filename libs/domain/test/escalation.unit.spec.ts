import { describe, expect, it } from '@jest/globals';
import { DeciderSpecification, discretionBudgetDecider, escalationTimerActorId, initialBudgetState, type ActiveBudget, type BudgetEvent, type GestureApproved, type GestureDenied, type EscalationExpired } from '#domain';
import { allocated, approve, bob, maya, refused, deny, escalated, expire, factsOf, granted, policy, policyWith, request, reverse, sam, sean, type Mutable } from './budget-fixtures.js';

const given = DeciderSpecification.for(discretionBudgetDecider, policy);
const asked = request({ amountMinor: 4_000 });
const pending = [allocated(), escalated(asked)];

function approvedEvent(approvedMinor: number, approver = sean, recordedAt = '2026-11-23T18:10:00.000Z'): GestureApproved {
  const command = approve(approvedMinor, approver, { recordedAt });
  return {
    type: 'GestureApproved',
    schemaVersion: 1,
    data: {
      ...factsOf(asked),
      who: { employeeId: approver.employeeId, actorId: approver.actorId },
      why: command.data.why,
      when: { occurredAt: recordedAt, recordedAt },
      reservationId: 'r-1',
      periodKey: '2026-11-23',
      approved: { amountMinor: approvedMinor, currency: 'USD' },
      released: { amountMinor: 4_000 - approvedMinor, currency: 'USD' },
      approvedPoints: null,
      approverId: approver.employeeId,
      approverRole: approver.role,
    },
  };
}

function deniedEvent(approver = sean): GestureDenied {
  const command = deny(approver);
  return {
    type: 'GestureDenied',
    schemaVersion: 1,
    data: {
      ...factsOf(asked),
      who: { employeeId: approver.employeeId, actorId: approver.actorId },
      why: command.data.why,
      when: { occurredAt: command.data.recordedAt, recordedAt: command.data.recordedAt },
      reservationId: 'r-1',
      periodKey: '2026-11-23',
      released: { amountMinor: 4_000, currency: 'USD' },
      approverId: approver.employeeId,
      approverRole: approver.role,
    },
  };
}

function expiredEvent(recordedAt: string): EscalationExpired {
  return {
    type: 'EscalationExpired',
    schemaVersion: 1,
    data: {
      ...factsOf(asked),
      who: { employeeId: null, actorId: 'svc-escalation-timer' },
      why: { reasonCode: 'escalation_ttl_elapsed', note: null },
      when: { occurredAt: recordedAt, recordedAt },
      reservationId: 'r-1',
      periodKey: '2026-11-23',
      released: { amountMinor: 4_000, currency: 'USD' },
      expiresAt: '2026-11-23T18:30:05.000Z',
    },
  };
}

function ledgerAfter(events: BudgetEvent[]): { spent: number; reserved: number; customer: number } {
  const state = events.reduce(discretionBudgetDecider.evolve, initialBudgetState()) as ActiveBudget;
  const ledger = state.periods.get('2026-11-23')!;
  return { spent: ledger.spentMinor, reserved: ledger.reservedMinor, customer: ledger.committedByCustomerMinor.get('cust-1') ?? 0 };
}

describe('ApproveGesture', () => {
  describe('on a pending escalation', () => {
    it('posts the whole reservation when approved in full', () => {
      given(pending).when(approve(4_000)).then([approvedEvent(4_000)]);
      expect(ledgerAfter([...pending, approvedEvent(4_000)])).toEqual({ spent: 4_000, reserved: 0, customer: 4_000 });
    });

    it('approves all that is reserved when no amount is given, read from the state it is decided on', () => {
      given(pending).when(approve(null)).then([approvedEvent(4_000)]);
    });

    it('approves in full the points of a points gesture when no amount is given', () => {
      const points = request({ gestureType: 'bonus_loyalty_points', value: { kind: 'points', points: 500 } });
      const decision = given([allocated(), escalated(points, { points: 500 })]).when(approve(null)).decision();
      expect(Array.isArray(decision) && decision[0]?.type === 'GestureApproved' && [decision[0].data.approved.amountMinor, decision[0].data.approvedPoints]).toEqual([500, 500]);
    });

    it('posts part and releases the rest when approved in part', () => {
      given(pending).when(approve(3_000)).then([approvedEvent(3_000)]);
      expect(ledgerAfter([...pending, approvedEvent(3_000)])).toEqual({ spent: 3_000, reserved: 0, customer: 3_000 });
    });

    it('lets a role above the required one approve', () => {
      given(pending).when(approve(4_000, sam)).then([approvedEvent(4_000, sam)]);
    });

    it('refuses the employee approving their own escalation, whatever role their token claims', () => {
      given(pending).when(approve(4_000, { employeeId: 'emp-alice', actorId: 'sso|emp-alice', role: 'manager' })).thenRefused('self_approval_forbidden');
    });

    it('refuses an approver below the required role', () => {
      given(pending).when(approve(4_000, bob)).thenRefused('approver_role_insufficient', 'senior_associate');
    });

    it('refuses once the escalation has expired', () => {
      given(pending).when(approve(4_000, sean, { recordedAt: '2026-11-23T18:30:06.000Z' })).thenRefused('escalation_expired');
    });

    it('still accepts at the very moment of expiry', () => {
      given(pending).when(approve(4_000, sean, { recordedAt: '2026-11-23T18:30:05.000Z' })).then([approvedEvent(4_000, sean, '2026-11-23T18:30:05.000Z')]);
    });

    it('refuses an approval or denial from a server whose clock lags, once the budget has recorded a time past the expiry', () => {
      const recordedAfterExpiry = granted(request({ gestureId: 'g-2', customerId: 'cust-2', occurredAt: '2026-11-23T18:31:00.000Z', recordedAt: '2026-11-23T18:31:00.000Z' }));
      given([...pending, recordedAfterExpiry]).when(approve(4_000, sean, { recordedAt: '2026-11-23T18:30:00.000Z' })).thenRefused('escalation_expired');
      given([...pending, recordedAfterExpiry]).when(deny(sean, { recordedAt: '2026-11-23T18:30:00.000Z' })).thenRefused('escalation_expired');
    });

    it('refuses amounts outside 1..reserved', () => {
      given(pending).when(approve(0)).thenRefused('approved_amount_invalid');
      given(pending).when(approve(4_001)).thenRefused('approved_amount_invalid', '1..4000');
    });

    it('refuses a partial approval that would buy a fraction of a point', () => {
      const twoCentPoints = policyWith((p: Mutable<typeof policy>) => {
        p.pointValueMinor = 2;
      });
      const points = request({ gestureType: 'bonus_loyalty_points', value: { kind: 'points', points: 2_000 } });
      const history = [allocated(), { ...escalated(points, { points: 2_000 }), data: { ...escalated(points, { points: 2_000 }).data, reserved: { amountMinor: 4_000, currency: 'USD' }, pointValueMinor: 2 } }];
      const spec = DeciderSpecification.for(discretionBudgetDecider, twoCentPoints)(history);
      spec.when(approve(2_501)).thenRefused('approved_amount_invalid', 'whole number of points');
      const decision = spec.when(approve(2_500)).decision();
      expect(Array.isArray(decision) && decision[0]?.type === 'GestureApproved' && decision[0].data.approvedPoints).toBe(1_250);
    });
  });

  describe('on an escalation already decided', () => {
    it('returns nothing when the same approver repeats the same approval', () => {
      given([...pending, approvedEvent(3_000)]).when(approve(3_000)).thenNothingHappened();
      given([...pending, approvedEvent(4_000)]).when(approve(null)).thenNothingHappened();
    });

    it('returns nothing for a repeated approval after the approved gesture was reversed (a redelivered message)', () => {
      const approved = [...pending, approvedEvent(3_000)];
      const reversal = given(approved).when(reverse(sam)).decision() as BudgetEvent[];
      expect(reversal.map((e) => e.type)).toEqual(['GestureReversed']);
      given([...approved, ...reversal]).when(approve(3_000)).thenNothingHappened();
      given([...approved, ...reversal]).when(approve(4_000)).thenRefused('not_pending');
    });

    it('refuses an approval in full after the same approver approved only part', () => {
      given([...pending, approvedEvent(3_000)]).when(approve(null)).thenRefused('not_pending');
    });

    it('refuses a different approval as not_pending', () => {
      given([...pending, approvedEvent(3_000)]).when(approve(4_000)).thenRefused('not_pending');
      given([...pending, approvedEvent(3_000)]).when(approve(3_000, sam)).thenRefused('not_pending');
      given([...pending, deniedEvent()]).when(approve(4_000)).thenRefused('not_pending');
    });
  });

  describe('on other gestures', () => {
    it('refuses a gesture that was granted outright', () => {
      given([allocated(), granted(request())]).when(approve(1_000)).thenRefused('not_pending');
    });

    it('refuses an unknown gesture', () => {
      given([allocated()]).when(approve(1_000)).thenRefused('unknown_gesture');
    });

    it('refuses on a budget never allocated', () => {
      given([]).when(approve(1_000)).thenRefused('no_budget');
    });
  });
});

describe('DenyGesture', () => {
  it('releases the whole reservation', () => {
    given(pending).when(deny()).then([deniedEvent()]);
    expect(ledgerAfter([...pending, deniedEvent()])).toEqual({ spent: 0, reserved: 0, customer: 0 });
  });

  it('returns nothing when the same approver denies again', () => {
    given([...pending, deniedEvent()]).when(deny()).thenNothingHappened();
  });

  it('refuses a denial by another approver after the first', () => {
    given([...pending, deniedEvent()]).when(deny(sam)).thenRefused('not_pending');
  });

  it('applies the same rules as approval', () => {
    given(pending).when(deny({ employeeId: 'emp-alice', actorId: 'sso|emp-alice', role: 'supervisor' })).thenRefused('self_approval_forbidden');
    given(pending).when(deny(bob)).thenRefused('approver_role_insufficient');
    given(pending).when(deny(sean, { recordedAt: '2026-11-23T19:00:00.000Z' })).thenRefused('escalation_expired');
  });
});

describe('ExpireEscalation', () => {
  it('refuses before the escalation expires', () => {
    given(pending).when(expire('2026-11-23T18:30:05.000Z')).thenRefused('not_yet_expired');
  });

  it('releases the whole reservation once it has expired', () => {
    given(pending).when(expire('2026-11-23T18:30:06.000Z')).then([expiredEvent('2026-11-23T18:30:06.000Z')]);
    expect(ledgerAfter([...pending, expiredEvent('2026-11-23T18:30:06.000Z')])).toEqual({ spent: 0, reserved: 0, customer: 0 });
  });

  it('returns nothing when the expiry is repeated', () => {
    given([...pending, expiredEvent('2026-11-23T18:30:06.000Z')]).when(expire('2026-11-23T18:31:00.000Z')).thenNothingHappened();
  });

  it('refuses an escalation someone already decided', () => {
    given([...pending, approvedEvent(4_000)]).when(expire('2026-11-23T19:00:00.000Z')).thenRefused('not_pending');
  });

  it('refuses an unknown gesture', () => {
    given([allocated()]).when(expire('2026-11-23T19:00:00.000Z')).thenRefused('unknown_gesture');
  });
});

describe('a decision on an escalation after the policy changed', () => {
  // The escalation's policy set who may approve it and until when: its decision applies those rules, so it
  // names that version, not the one published since.
  const underVersion2 = DeciderSpecification.for(discretionBudgetDecider, policyWith((p) => {
    p.version = 2;
  }));
  const decidedUnder = (event: BudgetEvent) => (event.data as { policyVersion: number }).policyVersion;

  it.each([
    ['an approval', approve(4_000), approvedEvent(4_000)],
    ['a denial', deny(), deniedEvent()],
    ['an expiry', expire('2026-11-23T18:31:00.000Z'), expiredEvent('2026-11-23T18:31:00.000Z')],
  ])('records %s under the version the escalation was decided by', (_, command, expected) => {
    underVersion2(pending).when(command).then([expected]);
    expect(decidedUnder(expected)).toBe(1);
  });

  it('records a reversal under the policy in force, whose rules it applies', () => {
    const reversal = underVersion2([allocated(), granted(request({ amountMinor: 1_500 }))]).when(reverse(maya)).decision();
    expect((reversal as BudgetEvent[]).map(decidedUnder)).toEqual([2]);
  });
});

describe('a gesture request finding an escalation past its expiry', () => {
  // cust-1 holds 4,000 reserved by g-1 (expires 18:30:05) and 1,500 granted: 2,500 more would pass the
  // associate's 7,500 cap per customer while the reservation stands, and fits once it is released.
  const earlier = request({ gestureId: 'g-2', reservationId: 'r-2', amountMinor: 1_500 });
  const history = [...pending, granted(earlier)];
  const next = (recordedAt: string) => request({ gestureId: 'g-3', reservationId: 'r-3', amountMinor: 2_500, recordedAt });
  const expiredByTheLedger = (recordedAt: string): EscalationExpired => {
    const event = expiredEvent(recordedAt);
    return { ...event, data: { ...event.data, who: { employeeId: null, actorId: escalationTimerActorId } } };
  };

  it('records the expiry first, then answers on the headroom it released', () => {
    given(history).when(next('2026-11-23T18:31:00.000Z')).then([expiredByTheLedger('2026-11-23T18:31:00.000Z'), granted(next('2026-11-23T18:31:00.000Z'))]);
  });

  it('leaves a reservation not yet expired standing', () => {
    given(history).when(next('2026-11-23T18:30:05.000Z')).then([refused(next('2026-11-23T18:30:05.000Z'), 'customer_cap_exceeded', '2026-11-23')]);
  });

  it('records nothing on a retry of a request already answered, even once an escalation is overdue', () => {
    given([...history, refused(next('2026-11-23T18:29:00.000Z'), 'customer_cap_exceeded', '2026-11-23')]).when(next('2026-11-23T18:31:00.000Z')).thenNothingHappened();
  });

  it('leaves the scheduler nothing to do for an escalation a request expired', () => {
    given([...history, expiredByTheLedger('2026-11-23T18:31:00.000Z')]).when(expire('2026-11-23T18:32:00.000Z')).thenNothingHappened();
  });
});
