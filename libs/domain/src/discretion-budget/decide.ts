import { unreachable } from '../assert.js';
import type { Decider } from '../decider.js';
import type { Decision } from '../decision.js';
import type { Policy } from '../policy/policy.js';
import { adjustBudget } from './adjust-budget.js';
import { allocateBudget } from './allocate-budget.js';
import type { BudgetCommand } from './commands.js';
import { approveGesture, denyGesture, expireEscalation } from './decide-escalation.js';
import type { BudgetEvent } from './events.js';
import { evolveBudget } from './evolve.js';
import type { BudgetRefusalReason } from './refusals.js';
import { requestGesture } from './request-gesture.js';
import { reverseGesture } from './reverse-gesture.js';
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
      return requestGesture(command, state, policy);
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
