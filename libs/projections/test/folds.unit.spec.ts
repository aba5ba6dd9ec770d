import { describe, expect, it } from '@jest/globals';
import type { RecordedEvent } from '#event-store';
import { formatProgress } from '#projections';
import { estimatedTotal } from '../src/runtime/progress-bar.js';
import { foldBudgetEvents } from '../src/budget/budget-fold.js';
import { foldCustomerEvents } from '../src/customer/customer-fold.js';

let n = 0;
function recorded(type: string, data: Record<string, unknown>): RecordedEvent {
  n++;
  return { id: `id-${n}`, type, schemaVersion: 1, data: data as RecordedEvent['data'], metadata: { correlationId: 'c', causationId: null, actor: 'a', recordedAt: '2026-11-23T10:00:00.000Z' }, streamName: 's', revision: BigInt(n), position: { commit: 1n, prepare: BigInt(n) } };
}

const facts = (gestureId: string, reasonCode = 'service_failure', at = '2026-11-23T10:00:00.000Z') => ({
  gestureId,
  employeeId: 'emp-1',
  customerId: 'cust-1',
  gestureType: 'goodwill_credit',
  who: { employeeId: 'emp-1', actorId: 'emp-1' },
  where: { channel: 'pos', storeId: 'nyc' },
  why: { reasonCode, note: null },
  when: { occurredAt: at, recordedAt: at },
  policyVersion: 1,
});
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const period = (allowanceMinor: number) => ({ kind: 'day', key: '2026-11-23', endsOn: '2026-11-23', allowanceMinor });

describe('budget fold (one batch into per-key deltas)', () => {
  it('sums spent and reserved per period; an escalation opened and decided in the same batch is neither inserted nor deleted', () => {
    const d = foldBudgetEvents([
      recorded('GestureGranted', { ...facts('g1'), cost: usd(1_000), points: null, period: period(20_000) }),
      recorded('GestureEscalated', { ...facts('g2'), reservationId: 'r2', reserved: usd(4_000), points: null, pointValueMinor: null, period: period(20_000), approverRole: 'senior_associate', expiresAt: '2026-11-23T10:30:00.000Z' }),
      recorded('GestureApproved', { ...facts('g2', 'approved_ok'), reservationId: 'r2', periodKey: '2026-11-23', approved: usd(3_000), released: usd(1_000), approvedPoints: null, approverId: 'sen-1', approverRole: 'senior_associate' }),
      recorded('GestureDenied', { ...facts('g0'), reservationId: 'r0', periodKey: '2026-11-23', released: usd(2_000), approverId: 'sen-1', approverRole: 'senior_associate' }),
      recorded('GestureReversed', { ...facts('g1'), periodKey: '2026-11-23', returned: usd(1_000), returnedPoints: null, reversedBy: { employeeId: null, actorId: 'admin', role: 'admin' } }),
    ]);
    expect([...d.periods.values()]).toEqual([
      { employee_id: 'emp-1', period_key: '2026-11-23', kind: 'day', ends_on: '2026-11-23', currency: 'USD', allowance_minor: 20_000, spent_minor: 3_000, reserved_minor: -2_000, pending_escalations: -1, log_commit: '1', log_prepare: '5' },
    ]);
    expect(d.opened.size).toBe(0);
    expect([...d.closed]).toEqual(['g0']);
    expect([...d.gestureTypes.values()][0]).toMatchObject({ given_count: 2, given_minor: 3_000, escalated_count: 1, reversed_count: 1 });
  });

  it('the allowance is the latest one an event states (an adjustment after a grant wins); a period-less refusal counts nowhere', () => {
    const d = foldBudgetEvents([
      recorded('GestureGranted', { ...facts('g1'), cost: usd(500), points: null, period: period(20_000) }),
      recorded('BudgetAdjusted', { employeeId: 'emp-1', adjustmentId: 'a1', period: { kind: 'day', key: '2026-11-23', endsOn: '2026-11-23' }, currency: 'USD', deltaMinor: 5_000, allowanceBeforeMinor: 20_000, allowanceAfterMinor: 25_000, by: { employeeId: 'm', actorId: 'm', role: 'manager' }, reasonCode: null, note: null, recordedAt: '2026-11-23T11:00:00.000Z', policyVersion: 1 }),
      recorded('GestureRefused', { ...facts('g9'), reason: 'no_budget', requested: { amount: usd(100), points: null }, periodKey: null }),
    ]);
    expect([...d.periods.values()][0]!.allowance_minor).toBe(25_000);
    expect([...d.gestureTypes.values()].map((t) => t.refused_count)).toEqual([0]);
  });
});

describe('customer fold', () => {
  it('nets points across earn, bonus, redemption, expiry and bonus reversal; keeps a gesture its own first reason and time', () => {
    const d = foldCustomerEvents([
      recorded('PurchaseRecorded', { customerId: 'cust-1', purchaseId: 'p1', amount: usd(12_345), month: '2026-11', where: { channel: 'pos', storeId: 'nyc' }, occurredAt: '2026-11-23T09:00:00.000Z', recordedAt: '2026-11-23T09:00:00.000Z', policyVersion: 1 }),
      recorded('PointsEarned', { customerId: 'cust-1', purchaseId: 'p1', points: 123, lotMonth: '2026-11', recordedAt: 'x', policyVersion: 1 }),
      recorded('BonusPointsCredited', { customerId: 'cust-1', gestureId: 'g1', employeeId: 'emp-1', points: 50, lotMonth: '2026-11', creditedAt: 'x' }),
      recorded('PointsRedeemed', { customerId: 'cust-1', redemptionId: 'r1', points: 20 }),
      recorded('BonusPointsReversed', { customerId: 'cust-1', gestureId: 'g1', points: 30 }),
      recorded('PointsExpired', { customerId: 'cust-1', points: 3 }),
      recorded('GestureEscalated', { ...facts('g1', 'loyal_customer', '2026-11-23T08:00:00.000Z'), reservationId: 'r', reserved: usd(4_000), points: null, pointValueMinor: null, period: period(1), approverRole: 'senior_associate', expiresAt: 'x' }),
      recorded('GestureApproved', { ...facts('g1', 'approver_reason', '2026-11-23T08:10:00.000Z'), reservationId: 'r', periodKey: 'k', approved: usd(4_000), released: usd(0), approvedPoints: null, approverId: 'a', approverRole: 'senior_associate' }),
    ]);
    expect(d.customers.get('cust-1')).toMatchObject({ points_balance: 120, lifetime_spend_minor: 12_345, purchases: 1 });
    expect(d.gestures.get('g1')).toMatchObject({ status: 'approved', value_minor: 4_000, reason_code: 'loyal_customer', occurred_at: '2026-11-23T08:00:00.000Z', at: '2026-11-23T08:10:00.000Z' });
  });
});

describe('small leaves', () => {
  it('the progress bar shows done / total, rate and time left', () => {
    const line = formatProgress({ phase: 'loading', eventsDone: 250_000, eventsTotal: 1_000_000, eventsPerSecond: 50_000, secondsLeft: 15, elapsedSeconds: 5 }, 10);
    expect(line).toBe('[###-------] 250,000 / 1,000,000 events  50,000 ev/s  15.0 s left  loading');
  });

  it("the progress bar's total is estimated from positions, whatever they count: a sequence or EventStoreDB's byte offsets", () => {
    const at = (prepare: number) => ({ commit: BigInt(prepare), prepare: BigInt(prepare) });
    // SQL stores: a sequence (with gaps where appends rolled back): a quarter of it read, a quarter done.
    expect(estimatedTotal(250_000, at(250_010), at(1_000_040))).toBe(1_000_000);
    // EventStoreDB: byte offsets, ~700 bytes an event: the total is in events, not bytes.
    expect(estimatedTotal(250_000, at(250_000 * 700), at(1_000_000 * 700))).toBe(1_000_000);
    expect(estimatedTotal(0, 'start', at(700_000_000))).toBe(0);
    expect(estimatedTotal(1_000_000, at(700_004_096), at(700_004_096))).toBe(1_000_000);
  });
});
