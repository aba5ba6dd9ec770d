import { assert } from '../assert.js';
import { assertWho, assertWhy } from '../context.js';
import { refuse, type Decision } from '../decision.js';
import { assertId } from '../ids.js';
import { money } from '../money.js';
import type { Policy } from '../policy/policy.js';
import { isRoleAbove, type AuthorityRole, type StaffRole } from '../staff/roles.js';
import { parseInstant } from '../time/instant.js';
import type { BudgetAuthority, ReverseGesture } from './commands.js';
import type { BudgetEvent } from './events.js';
import { laterFacts } from './gesture-facts.js';
import type { BudgetRefusalReason } from './refusals.js';
import type { ActiveBudget, BudgetState } from './state.js';

/**
 * Undoes a granted or approved gesture and returns its amount to the period it was charged to,
 * even if that period is no longer the current one.
 */
export function reverseGesture({ data }: ReverseGesture, state: BudgetState, policy: Policy): Decision<BudgetEvent, BudgetRefusalReason> {
  assertId(data.gestureId, 'gestureId');
  assertWho(data.by, 'by');
  assertWhy(data.why);
  parseInstant(data.recordedAt, 'recordedAt');
  if (state.status !== 'active') return refuse('no_budget');
  const record = state.gestures.get(data.gestureId);
  if (record === undefined) return refuse('unknown_gesture');
  const { current, first } = record;
  if (current.status === 'reversed') {
    return current.reversedBy.actorId === data.by.actorId && current.reversedBy.employeeId === data.by.employeeId ? [] : refuse('already_reversed');
  }
  if (current.status !== 'granted' && current.status !== 'approved') return refuse('not_reversible', [`gesture is ${current.status}`]);
  // A reversal gives the amount back to the budget: an employee undoing their own gesture could grant and undo
  // without end, the customer paid each time and the budget never spent. Someone senior, or an admin, undoes it.
  if (data.by.employeeId === state.employeeId) return refuse('self_reversal_forbidden', ['a gesture is reversed by someone senior to its employee, or an admin']);
  if (!mayReverse(data.by, state)) return refuse('not_authorized', ['only someone senior to the employee, or an admin, may reverse']);

  const currency = first.outcome === 'granted' ? first.cost.currency : first.reserved.currency;
  const returnedPoints = current.status === 'approved' ? current.approvedPoints : first.points;
  assert(state.periods.has(record.periodKey), `gesture ${record.gestureId} outlived its period ${record.periodKey}`);
  return [
    {
      type: 'GestureReversed',
      schemaVersion: 1,
      data: {
        ...laterFacts(state, record, { employeeId: data.by.employeeId, actorId: data.by.actorId }, data.why, data.recordedAt, policy.version),
        periodKey: record.periodKey,
        returned: money(current.chargedMinor, currency),
        returnedPoints,
        reversedBy: data.by,
      },
    },
  ];
}

/** Undoing gives the customer less, never more, so the bar is lower than for approving (no named approver role). */
function mayReverse(by: BudgetAuthority, state: ActiveBudget): boolean {
  return by.role === 'admin' || isSenior(by.role, state.role);
}

function isSenior(role: AuthorityRole, than: StaffRole): boolean {
  return role !== 'admin' && isRoleAbove(role, than);
}
