import { assert } from '../assert.js';
import { addMinor, subtractMinor } from '../money.js';
import { PersistentMap } from '../persistent-map.js';
import type { BudgetPeriod } from '../time/periods.js';
import type { ChargedPeriod } from './events.js';
import type { PeriodLedger } from './state.js';

/** Pure leaves of the budget arithmetic; each result is checked against the period invariant. */

export function openLedger(period: BudgetPeriod, currency: string, allowanceMinor: number): PeriodLedger {
  return checked({
    period: { kind: period.kind, key: period.key, endsOn: period.endsOn },
    currency,
    allowanceMinor,
    spentMinor: 0,
    reservedMinor: 0,
    committedByCustomerMinor: PersistentMap.empty(),
    gestureCount: 0,
    adjustments: [],
    lastSettledAtMs: null,
  });
}

/** The ledger an event charges: the one in state, or a new one opened with the allowance the event recorded. */
export function ledgerFor(periods: PersistentMap<PeriodLedger>, period: ChargedPeriod, currency: string): PeriodLedger {
  const existing = periods.get(period.key);
  if (existing === undefined) return openLedger(period, currency, period.allowanceMinor);
  assert(existing.allowanceMinor === period.allowanceMinor, `period ${period.key}: event says allowance ${period.allowanceMinor}, state has ${existing.allowanceMinor}`);
  assert(existing.currency === currency, `period ${period.key}: event in ${currency}, ledger in ${existing.currency}`);
  return existing;
}

export function headroomMinor(ledger: PeriodLedger): number {
  return ledger.allowanceMinor - ledger.spentMinor - ledger.reservedMinor;
}

export function committedForCustomerMinor(ledger: PeriodLedger, customerId: string): number {
  return ledger.committedByCustomerMinor.get(customerId) ?? 0;
}

export function charge(ledger: PeriodLedger, customerId: string, amountMinor: number): PeriodLedger {
  return withAmounts(ledger, addMinor(ledger.spentMinor, amountMinor), ledger.reservedMinor, shiftCustomer(ledger, customerId, amountMinor), ledger.gestureCount + 1);
}

export function reserve(ledger: PeriodLedger, customerId: string, amountMinor: number): PeriodLedger {
  return withAmounts(ledger, ledger.spentMinor, addMinor(ledger.reservedMinor, amountMinor), shiftCustomer(ledger, customerId, amountMinor), ledger.gestureCount + 1);
}

/** Posts the approved part of a reservation and releases the rest, as one step so no money is in between. */
export function settle(ledger: PeriodLedger, customerId: string, reservedMinor: number, approvedMinor: number): PeriodLedger {
  assert(approvedMinor <= reservedMinor, `cannot post ${approvedMinor} from a reservation of ${reservedMinor}`);
  const committed = shiftCustomer(ledger, customerId, approvedMinor - reservedMinor);
  return withAmounts(ledger, addMinor(ledger.spentMinor, approvedMinor), subtractMinor(ledger.reservedMinor, reservedMinor), committed, ledger.gestureCount);
}

export function release(ledger: PeriodLedger, customerId: string, reservedMinor: number): PeriodLedger {
  return settle(ledger, customerId, reservedMinor, 0);
}

export function refund(ledger: PeriodLedger, customerId: string, amountMinor: number): PeriodLedger {
  return withAmounts(ledger, subtractMinor(ledger.spentMinor, amountMinor), ledger.reservedMinor, shiftCustomer(ledger, customerId, -amountMinor), ledger.gestureCount);
}

export function adjustAllowance(ledger: PeriodLedger, adjustmentId: string, allowanceBeforeMinor: number, allowanceAfterMinor: number): PeriodLedger {
  assert(ledger.allowanceMinor === allowanceBeforeMinor, `period ${ledger.period.key}: adjustment expected allowance ${allowanceBeforeMinor}, state has ${ledger.allowanceMinor}`);
  return checked({ ...ledger, allowanceMinor: allowanceAfterMinor, adjustments: [...ledger.adjustments, { adjustmentId, deltaMinor: allowanceAfterMinor - allowanceBeforeMinor }] });
}

/**
 * The ledger with new amounts, checked. Written out rather than spread (`{ ...ledger, ... }`): every gesture
 * passes here, in the API and in every fold, and a spread into a new object costs several times a literal.
 */
function withAmounts(ledger: PeriodLedger, spentMinor: number, reservedMinor: number, committedByCustomerMinor: PersistentMap<number>, gestureCount: number): PeriodLedger {
  return checked({
    period: ledger.period,
    currency: ledger.currency,
    allowanceMinor: ledger.allowanceMinor,
    spentMinor,
    reservedMinor,
    committedByCustomerMinor,
    gestureCount,
    adjustments: ledger.adjustments,
    lastSettledAtMs: ledger.lastSettledAtMs,
  });
}

function shiftCustomer(ledger: PeriodLedger, customerId: string, deltaMinor: number): PersistentMap<number> {
  const next = addMinor(committedForCustomerMinor(ledger, customerId), deltaMinor);
  assert(next >= 0, `customer ${customerId} commitment below zero in ${ledger.period.key}`);
  return next === 0 ? ledger.committedByCustomerMinor.delete(customerId) : ledger.committedByCustomerMinor.set(customerId, next);
}

/** The invariant that must never break: a period never commits more than its allowance. */
export function assertLedger(ledger: PeriodLedger): void {
  const { allowanceMinor, spentMinor, reservedMinor, period } = ledger;
  // Checked after every event, in the API and in every fold: written out, without a list to walk.
  assertAmount(allowanceMinor, 'allowance', period.key);
  assertAmount(spentMinor, 'spent', period.key);
  assertAmount(reservedMinor, 'reserved', period.key);
  assert(spentMinor + reservedMinor <= allowanceMinor, `period ${period.key}: spent ${spentMinor} + reserved ${reservedMinor} exceeds allowance ${allowanceMinor}`);
}

function assertAmount(value: number, name: string, periodKey: string): void {
  if (!Number.isSafeInteger(value) || value < 0) assert(false, `period ${periodKey}: ${name} ${value} is not a non-negative safe integer`);
}

function checked(ledger: PeriodLedger): PeriodLedger {
  assertLedger(ledger);
  return ledger;
}
