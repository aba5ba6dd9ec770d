import { storeOf, type Policy } from '../policy/policy.js';
import { parseInstant } from '../time/instant.js';
import { isPeriodClosed, periodAt } from '../time/periods.js';
import { openLedger } from './ledger.js';
import type { ActiveBudget, BudgetState, PeriodLedger } from './state.js';

/** A period opens with the employee's override if one was set, else the role's allowance. */
export function allowanceFor(state: ActiveBudget, policy: Policy): number {
  return state.allowanceOverrideMinor ?? policy.roles[state.role].allowanceMinor;
}

/**
 * The ledger of the period holding `epochMs` on the home store's calendar: as the budget has it, or as a
 * first gesture or adjustment would open it (nothing spent, the allowance the policy gives now).
 */
export function ledgerAt(state: ActiveBudget, policy: Policy, epochMs: number): PeriodLedger {
  const period = periodAt(policy.roles[state.role].period, epochMs, timeZoneOf(state, policy));
  return state.periods.get(period.key) ?? openLedger(period, policy.currency, allowanceFor(state, policy));
}

/**
 * Servers' clocks disagree a little; deciding with the latest time the stream has seen keeps a
 * period the state has already forgotten from being judged open again.
 */
export function decisionClockMs(state: BudgetState, recordedAt: string): number {
  const ms = parseInstant(recordedAt, 'recordedAt');
  return state.lastRecordedAtMs === null ? ms : Math.max(ms, state.lastRecordedAtMs);
}

/**
 * The home store's time zone under the deciding policy, so that a version moving the store draws periods on
 * its new calendar at once, not only once each employee is allocated again. The zone the budget copied stays
 * for forgetting, which has no policy; `closedThrough` keeps closed what it closed under either.
 */
export function timeZoneOf(state: ActiveBudget, policy: Policy): string {
  return storeOf(policy, state.storeId)?.timeZone ?? state.timeZone;
}

/**
 * Whether a period ending on `endsOn` takes no more gestures or adjustments at `nowMs`: closed by the rule in
 * the home store's current time zone, or closed before under an earlier one (`closedThrough` never moves back).
 */
export function isClosedToUploads(state: ActiveBudget, policy: Policy, endsOn: string, nowMs: number): boolean {
  return (state.closedThrough !== null && endsOn <= state.closedThrough) || isPeriodClosed(endsOn, nowMs, timeZoneOf(state, policy));
}

export function isAnswered(state: BudgetState, gestureId: string): boolean {
  return state.refusals.has(gestureId) || (state.status === 'active' && state.gestures.has(gestureId));
}
