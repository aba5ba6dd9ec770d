import type { Policy } from '../policy/policy.js';
import { parseInstant } from '../time/instant.js';
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

export function isAnswered(state: BudgetState, gestureId: string): boolean {
  return state.refusals.has(gestureId) || (state.status === 'active' && state.gestures.has(gestureId));
}
