import { assert } from '../assert.js';
import { assertWho } from '../context.js';
import { refuse, type Decision } from '../decision.js';
import { assertId } from '../ids.js';
import { assertMinorUnits } from '../money.js';
import { storeOf, type Policy } from '../policy/policy.js';
import { isStaffRole, mayManageBudgets } from '../staff/roles.js';
import { parseInstant } from '../time/instant.js';
import type { AllocateBudget } from './commands.js';
import type { BudgetEvent } from './events.js';
import type { BudgetRefusalReason } from './refusals.js';
import type { BudgetState } from './state.js';

/**
 * Enrols an employee, or changes their role, home store or allowance override. A change applies to
 * periods opened after it; periods already open keep the allowance they opened with.
 */
export function allocateBudget({ data }: AllocateBudget, state: BudgetState, policy: Policy): Decision<BudgetEvent, BudgetRefusalReason> {
  assertId(data.employeeId, 'employeeId');
  assert(isStaffRole(data.role), `unknown role ${data.role}`);
  assertId(data.storeId, 'storeId');
  if (data.allowanceOverrideMinor !== null) assertMinorUnits(data.allowanceOverrideMinor, 'allowanceOverrideMinor');
  assertWho(data.by, 'by');
  parseInstant(data.recordedAt, 'recordedAt');
  if (state.status === 'active') assert(state.employeeId === data.employeeId, `allocation for ${data.employeeId} sent to the budget of ${state.employeeId}`);

  if (!mayManageBudgets(data.by.role)) return refuse('not_authorized', ['only a manager or an admin may allocate budgets']);
  if (data.by.employeeId === data.employeeId) return refuse('self_allocation_forbidden');
  const store = storeOf(policy, data.storeId);
  if (store === undefined) return refuse('unknown_store');
  if (
    state.status === 'active' &&
    state.role === data.role &&
    state.storeId === data.storeId &&
    state.timeZone === store.timeZone &&
    state.currency === policy.currency &&
    state.allowanceOverrideMinor === data.allowanceOverrideMinor
  ) {
    return [];
  }
  return [
    {
      type: 'BudgetAllocated',
      schemaVersion: 1,
      data: {
        employeeId: data.employeeId,
        role: data.role,
        storeId: data.storeId,
        timeZone: store.timeZone,
        allowanceOverrideMinor: data.allowanceOverrideMinor,
        currency: policy.currency,
        by: data.by,
        recordedAt: data.recordedAt,
        policyVersion: policy.version,
      },
    },
  ];
}
