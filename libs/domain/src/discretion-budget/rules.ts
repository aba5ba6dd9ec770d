import type { Policy } from '../policy/policy.js';
import { parseInstant } from '../time/instant.js';
import { isPeriodClosed } from '../time/periods.js';
import type { ActiveBudget, BudgetState } from './state.js';

/** A period opens with the employee's override if one was set, else the role's allowance. */
export function allowanceFor(state: ActiveBudget, policy: Policy): number {
  return state.allowanceOverrideMinor ?? policy.roles[state.role].allowanceMinor;
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
 * Whether a period ending on `endsOn` takes no more gestures or adjustments at `nowMs`: closed by the rule in
 * the employee's current time zone, or closed before under an earlier one (`closedThrough` never moves back).
 */
export function isClosedToUploads(state: ActiveBudget, endsOn: string, nowMs: number): boolean {
  return (state.closedThrough !== null && endsOn <= state.closedThrough) || isPeriodClosed(endsOn, nowMs, state.timeZone);
}

export function isAnswered(state: BudgetState, gestureId: string): boolean {
  return state.refusals.has(gestureId) || (state.status === 'active' && state.gestures.has(gestureId));
}
