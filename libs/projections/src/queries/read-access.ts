import { hasRole, type Principal } from '#auth';
import { roleRank } from '#domain';
import { mayReadBudget, staffRoleOf, type Forbidden } from '#ledger';

/** Who may read what on the query side; `null` allows, a string says why not (HTTP 403). */

/** A budget's history: the employee, staff of a higher role in their store (or head office), finance, admin. */
export const mayReadEmployeeBudget = mayReadBudget;

/** A queue of escalations to decide: any staff role that can approve something (above associate). */
export function mayReadApprovalQueue(principal: Principal): Forbidden {
  const role = staffRoleOf(principal);
  return role !== null && roleRank(role) > roleRank('associate') ? null : 'approver_role_required';
}

/** The list of every customer with a loyalty standing: the CRM and admins, who run loyalty expiry. */
export function mayListLoyaltyStandings(principal: Principal): Forbidden {
  return hasRole(principal, 'crm', 'admin') ? null : 'role_not_allowed';
}

/** A customer's 360: the CRM, finance, admins, and staff of supervisor rank or above (who see it beside escalations). */
export function mayReadCustomer360(principal: Principal): Forbidden {
  if (hasRole(principal, 'crm', 'finance', 'admin')) return null;
  const role = staffRoleOf(principal);
  return role !== null && roleRank(role) >= roleRank('supervisor') ? null : 'role_not_allowed';
}
