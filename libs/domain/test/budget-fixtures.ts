import {
  samplePolicy,
  type AdjustBudget,
  type AllocateBudget,
  type ApproveGesture,
  type Approver,
  type BudgetAdjusted,
  type BudgetAllocated,
  type BudgetAuthority,
  type ChargedPeriod,
  type DenyGesture,
  type ExpireEscalation,
  type GestureEscalated,
  type GestureFacts,
  type GestureGranted,
  type GestureRefused,
  type GestureRefusalReason,
  type Policy,
  type RequestGesture,
  type ReverseGesture,
  type StaffRole,
} from '#domain';

/**
 * The cast of the budget specifications: Alice, an associate at the Santa Monica store
 * (America/Los_Angeles), and the people around her. Amounts follow `samplePolicy()`: an associate
 * has $200.00 a day, auto-approves up to $25.00, may give $50.00 per gesture and $75.00 per customer.
 */
export const policy: Policy = samplePolicy();

export const alice = 'emp-alice';
export const store = 'la-santa-monica';
export const timeZone = 'America/Los_Angeles';

export const maya: BudgetAuthority = { employeeId: 'emp-maya', actorId: 'sso|emp-maya', role: 'manager' };
export const financeSystem: BudgetAuthority = { employeeId: null, actorId: 'svc-finance', role: 'admin' };
export const bob: Approver = { employeeId: 'emp-bob', actorId: 'sso|emp-bob', role: 'associate' };
export const sean: Approver = { employeeId: 'emp-sean', actorId: 'sso|emp-sean', role: 'senior_associate' };
export const sam: Approver = { employeeId: 'emp-sam', actorId: 'sso|emp-sam', role: 'supervisor' };

/** 10:00 in Santa Monica on Monday 2026-11-23. */
export const monday10am = '2026-11-23T18:00:00.000Z';
export const recordedSoonAfter = '2026-11-23T18:00:05.000Z';

export function allocate(overrides: Partial<AllocateBudget['data']> = {}): AllocateBudget {
  return { type: 'AllocateBudget', data: { employeeId: alice, role: 'associate', storeId: store, allowanceOverrideMinor: null, by: maya, recordedAt: '2026-11-01T16:00:00.000Z', ...overrides } };
}

export function allocated(overrides: Partial<BudgetAllocated['data']> = {}): BudgetAllocated {
  return {
    type: 'BudgetAllocated',
    schemaVersion: 1,
    data: { employeeId: alice, role: 'associate', storeId: store, timeZone, allowanceOverrideMinor: null, currency: 'USD', by: maya, recordedAt: '2026-11-01T16:00:00.000Z', policyVersion: 1, ...overrides },
  };
}

type RequestOverrides = Partial<RequestGesture['data']> & { amountMinor?: number };

/** A $10.00 goodwill credit at the till for customer `cust-1`, unless told otherwise. */
export function request(overrides: RequestOverrides = {}): RequestGesture {
  const { amountMinor = 1_000, ...rest } = overrides;
  return {
    type: 'RequestGesture',
    data: {
      gestureId: 'g-1',
      reservationId: 'r-1',
      customerId: 'cust-1',
      gestureType: 'goodwill_credit',
      value: { kind: 'money', amount: { amountMinor, currency: 'USD' } },
      who: { employeeId: alice, actorId: 'till-sm-07' },
      where: { channel: 'pos', storeId: store },
      why: { reasonCode: 'service_failure', note: 'Order arrived damaged' },
      occurredAt: monday10am,
      recordedAt: recordedSoonAfter,
      sentByTill: true,
      receivedAt: recordedSoonAfter,
      ...rest,
    },
  };
}

/** The context a request's events repeat, copied field by field from the command. */
export function factsOf(command: RequestGesture, policyVersion = 1): GestureFacts {
  const d = command.data;
  return {
    gestureId: d.gestureId,
    employeeId: d.who.employeeId as string,
    customerId: d.customerId,
    gestureType: d.gestureType,
    who: d.who,
    where: d.where,
    why: d.why,
    when: { occurredAt: d.occurredAt, recordedAt: d.recordedAt },
    policyVersion,
  };
}

export const day = (key: string, allowanceMinor = 20_000): ChargedPeriod => ({ kind: 'day', key, endsOn: key, allowanceMinor });

export function granted(command: RequestGesture, period: ChargedPeriod = day('2026-11-23'), points: number | null = null): GestureGranted {
  const value = command.data.value;
  const cost = value.kind === 'money' ? value.amount : { amountMinor: value.points * policy.pointValueMinor, currency: 'USD' };
  return { type: 'GestureGranted', schemaVersion: 1, data: { ...factsOf(command), cost, points, period } };
}

export function escalated(
  command: RequestGesture,
  options: { approverRole?: StaffRole; expiresAt?: string; period?: ChargedPeriod; points?: number | null } = {},
): GestureEscalated {
  const { approverRole = 'senior_associate', expiresAt = '2026-11-23T18:30:05.000Z', period = day('2026-11-23'), points = null } = options;
  const value = command.data.value;
  const reserved = value.kind === 'money' ? value.amount : { amountMinor: value.points * policy.pointValueMinor, currency: 'USD' };
  return {
    type: 'GestureEscalated',
    schemaVersion: 1,
    data: { ...factsOf(command), reservationId: command.data.reservationId, reserved, points, pointValueMinor: points === null ? null : policy.pointValueMinor, period, approverRole, expiresAt },
  };
}

export function refused(command: RequestGesture, reason: GestureRefusalReason, periodKey: string | null = null): GestureRefused {
  const value = command.data.value;
  const requested = value.kind === 'money' ? { amount: value.amount, points: null } : { amount: null, points: value.points };
  return { type: 'GestureRefused', schemaVersion: 1, data: { ...factsOf(command), reason, requested, periodKey } };
}

export function approve(approvedAmountMinor: number | null, approver: Approver = sean, overrides: Partial<ApproveGesture['data']> = {}): ApproveGesture {
  return { type: 'ApproveGesture', data: { gestureId: 'g-1', approvedAmountMinor, approver, why: { reasonCode: null, note: 'Long-standing customer' }, recordedAt: '2026-11-23T18:10:00.000Z', ...overrides } };
}

export function deny(approver: Approver = sean, overrides: Partial<DenyGesture['data']> = {}): DenyGesture {
  return { type: 'DenyGesture', data: { gestureId: 'g-1', approver, why: { reasonCode: null, note: 'Already compensated last week' }, recordedAt: '2026-11-23T18:10:00.000Z', ...overrides } };
}

export function expire(recordedAt: string, gestureId = 'g-1'): ExpireEscalation {
  return { type: 'ExpireEscalation', data: { gestureId, actorId: 'svc-escalation-timer', recordedAt } };
}

export function reverse(by: BudgetAuthority, overrides: Partial<ReverseGesture['data']> = {}): ReverseGesture {
  return { type: 'ReverseGesture', data: { gestureId: 'g-1', by, why: { reasonCode: 'entered_in_error', note: null }, recordedAt: '2026-11-23T19:00:00.000Z', ...overrides } };
}

export function adjust(deltaMinor: number, overrides: Partial<AdjustBudget['data']> = {}): AdjustBudget {
  return {
    type: 'AdjustBudget',
    data: { adjustmentId: 'adj-1', effectiveAt: monday10am, deltaMinor, by: maya, why: { reasonCode: 'holiday_rush', note: null }, recordedAt: '2026-11-23T17:00:00.000Z', ...overrides },
  };
}

export function adjusted(deltaMinor: number, allowanceBeforeMinor: number, overrides: Partial<BudgetAdjusted['data']> = {}): BudgetAdjusted {
  const command = adjust(deltaMinor);
  return {
    type: 'BudgetAdjusted',
    schemaVersion: 1,
    data: {
      employeeId: alice,
      adjustmentId: command.data.adjustmentId,
      period: { kind: 'day', key: '2026-11-23', endsOn: '2026-11-23' },
      currency: 'USD',
      deltaMinor,
      allowanceBeforeMinor,
      allowanceAfterMinor: allowanceBeforeMinor + deltaMinor,
      by: maya,
      reasonCode: command.data.why.reasonCode,
      note: command.data.why.note,
      recordedAt: command.data.recordedAt,
      policyVersion: 1,
      ...overrides,
    },
  };
}

/** The same request under another id, for building up a history. */
export function another(n: number, overrides: RequestOverrides = {}): RequestGesture {
  return request({ gestureId: `g-${n}`, reservationId: `r-${n}`, ...overrides });
}

export type Mutable<T> = { -readonly [K in keyof T]: T[K] extends object ? Mutable<T[K]> : T[K] };

/** A policy derived from the sample with some roles changed, for rules the sample cannot show. */
export function policyWith(change: (draft: Mutable<Policy>) => void): Policy {
  const draft = structuredClone(samplePolicy()) as Mutable<Policy>;
  change(draft);
  return draft;
}
