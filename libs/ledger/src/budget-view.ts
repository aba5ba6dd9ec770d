import { ledgerAt, pendingEscalationsOf, type BudgetState, type PeriodLedger, type Policy, type StaffRole } from '#domain';

/*
 * A budget as the ledger answers it and the CRM's discretion feed publishes it: periods with what is left,
 * and the escalations still holding a reservation. Both shells map the domain's state through here.
 */

export interface BudgetView {
  employeeId: string;
  role: StaffRole;
  storeId: string;
  currency: string;
  periods: Array<BudgetPeriodView>;
  /** The period a gesture given now would charge, whether or not one was given in it yet (then nothing is spent). */
  current: BudgetPeriodView;
  pendingEscalations: PendingEscalationView[];
}

export interface BudgetPeriodView {
  periodKey: string;
  allowanceMinor: number;
  spentMinor: number;
  reservedMinor: number;
  remainingMinor: number;
}

export function periodView(p: PeriodLedger): BudgetPeriodView {
  return { periodKey: p.period.key, allowanceMinor: p.allowanceMinor, spentMinor: p.spentMinor, reservedMinor: p.reservedMinor, remainingMinor: p.allowanceMinor - p.spentMinor - p.reservedMinor };
}

export function budgetView(state: BudgetState, policy: Policy, nowMs: number): BudgetView {
  if (state.status !== 'active') throw new Error('budgetView of an unallocated budget');
  return {
    employeeId: state.employeeId,
    role: state.role,
    storeId: state.storeId,
    currency: state.currency,
    periods: [...state.periods.values()].map(periodView),
    current: periodView(ledgerAt(state, policy, nowMs)),
    pendingEscalations: pendingEscalationViews(state),
  };
}

export interface PendingEscalationView {
  gestureId: string;
  customerId: string;
  reservedMinor: number;
  expiresAt: string;
}

/** The escalations still pending, in the order they were escalated, each with its expiry as an instant. */
export function pendingEscalationViews(state: BudgetState): PendingEscalationView[] {
  return pendingEscalationsOf(state).map(({ gestureId, customerId, reservedMinor, expiresAtMs }) => ({ gestureId, customerId, reservedMinor, expiresAt: new Date(expiresAtMs).toISOString() }));
}
