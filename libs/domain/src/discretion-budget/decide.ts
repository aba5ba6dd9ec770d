import { unreachable } from '../assert.js';
import type { Decider } from '../decider.js';
import type { Decision } from '../decision.js';
import type { Policy } from '../policy/policy.js';
import { adjustBudget } from './adjust-budget.js';
import { allocateBudget } from './allocate-budget.js';
import type { BudgetCommand, RequestGesture } from './commands.js';
import { approveGesture, denyGesture, expireEscalation, overdueExpiries } from './decide-escalation.js';
import type { BudgetEvent } from './events.js';
import { evolveBudget } from './evolve.js';
import type { BudgetRefusalReason } from './refusals.js';
import { requestGesture } from './request-gesture.js';
import { reverseGesture } from './reverse-gesture.js';
import { isAnswered } from './rules.js';
import { initialBudgetState, type BudgetState } from './state.js';

/**
 * Decides one command against an employee's budget under the current policy; an escalation's approval,
 * denial or expiry under the policy it was escalated by, whose approver role and expiry it applies. A gesture request
 * always answers with an event (refusals included); the other commands return a refusal value when
 * they cannot proceed. An empty list means the command was already carried out.
 */
export function decideBudget(command: BudgetCommand, state: BudgetState, policy: Policy): Decision<BudgetEvent, BudgetRefusalReason> {
  switch (command.type) {
    case 'AllocateBudget':
      return allocateBudget(command, state, policy);
    case 'RequestGesture':
      return requestAfterExpiries(command, state, policy);
    case 'ApproveGesture':
      return approveGesture(command, state);
    case 'DenyGesture':
      return denyGesture(command, state);
    case 'ExpireEscalation':
      return expireEscalation(command, state);
    case 'ReverseGesture':
      return reverseGesture(command, state, policy);
    case 'AdjustBudget':
      return adjustBudget(command, state, policy);
    default:
      return unreachable(command, 'budget command');
  }
}

export const discretionBudgetDecider: Decider<BudgetState, BudgetCommand, BudgetEvent, BudgetRefusalReason, Policy> = {
  initialState: initialBudgetState,
  decide: decideBudget,
  evolve: evolveBudget,
};

/**
 * A request first records the expiry of the reservations already past it (`overdueExpiries`): the expiry
 * scheduler may be minutes behind, or down, and meanwhile they would hold back the headroom the request
 * is judged on. Its own answer is the last event.
 */
function requestAfterExpiries(command: RequestGesture, state: BudgetState, policy: Policy): readonly BudgetEvent[] {
  if (isAnswered(state, command.data.gestureId)) return [];
  const expiries = overdueExpiries(state, command.data.recordedAt);
  if (expiries.length === 0) return requestGesture(command, state, policy);
  return [...expiries, ...requestGesture(command, expiries.reduce(evolveBudget, state), policy)];
}
