import { hasRole, type Principal } from '#auth';
import { isRoleAbove, isStaffRole, roleRank, type AuthorityRole, type StaffRole } from '#domain';

/**
 * Who may do what, decided from the caller's token and the target employee's home store (known
 * only once their budget stream is loaded). `null` means allowed; a string says why not (HTTP 403).
 */
export type Forbidden = string | null;

/** The highest staff role the token carries, if any. */
export function staffRoleOf(principal: Principal): StaffRole | null {
  const staff = principal.roles.filter(isStaffRole);
  return staff.length === 0 ? null : staff.reduce((a, b) => (roleRank(a) >= roleRank(b) ? a : b));
}

/** Who answers for a back-office change: a staff member's role, or 'admin'. */
export function authorityRoleOf(principal: Principal): AuthorityRole | null {
  return hasRole(principal, 'admin') ? 'admin' : staffRoleOf(principal);
}

/**
 * The caller as the domain's `BudgetAuthority`. Callers without a staff or admin role never get this far
 * (the authorization checks refuse them first); 'associate' is only the domain's least authority.
 */
export function budgetAuthority(principal: Principal): { employeeId: string | null; actorId: string; role: AuthorityRole } {
  return { employeeId: staffRoleOf(principal) ? principal.subject : null, actorId: principal.subject, role: authorityRoleOf(principal) ?? 'associate' };
}

/**
 * A till's token: a system of one store speaking for its staff, which alone uploads an offline queue of
 * gestures dated in the past. A token that also names a person (a staff role) is that person's session.
 */
export function isTill(principal: Principal): boolean {
  return hasRole(principal, 'pos-system') && staffRoleOf(principal) === null;
}

/** A gesture spends the employee's own budget: only they, or a till of their home store, may ask. */
export function mayRequestGesture(principal: Principal, employeeId: string, employeeStoreId: string | null): Forbidden {
  if (staffRoleOf(principal) !== null && principal.subject === employeeId) return null;
  if (hasRole(principal, 'pos-system')) {
    if (employeeStoreId === null) return 'employee_not_enrolled';
    return principal.storeId === employeeStoreId ? null : 'till_of_another_store';
  }
  if (staffRoleOf(principal) !== null) return 'another_employees_budget';
  return 'role_not_allowed';
}

/**
 * Approving or denying needs a staff role, of the employee's store unless head office; whether the
 * role is high enough for this escalation is the policy's call, made by the domain.
 */
export function mayDecideEscalation(principal: Principal, employeeStoreId: string | null): Forbidden {
  if (staffRoleOf(principal) === null) return 'approver_role_required';
  return sameStoreOrHeadOffice(principal, employeeStoreId);
}

/** Reversing a gesture: a supervisor or above of the store, or an admin. */
export function mayReverseGesture(principal: Principal, employeeStoreId: string | null): Forbidden {
  if (hasRole(principal, 'admin')) return null;
  const role = staffRoleOf(principal);
  if (role === null || roleRank(role) < roleRank('supervisor')) return 'supervisor_role_required';
  return sameStoreOrHeadOffice(principal, employeeStoreId);
}

/**
 * Enrolling staff and topping up budgets: a manager of the store for the roles below manager, head office (a
 * manager token without a store) or an admin for any. `roles` are the budget's roles the change touches: the
 * one it has and, on enrolment, the one it is given. Were a store's manager to set up or top up a fellow
 * manager's budget (or make a colleague a manager), two managers could hand each other discretion that
 * nobody approves, as a manager's gestures need no approver.
 */
export function mayManageBudget(principal: Principal, employeeStoreId: string | null, roles: readonly StaffRole[]): Forbidden {
  if (hasRole(principal, 'admin')) return null;
  if (!hasRole(principal, 'manager')) return 'manager_role_required';
  const store = sameStoreOrHeadOffice(principal, employeeStoreId);
  if (store !== null) return store;
  return principal.storeId !== null && roles.some((role) => !isRoleAbove('manager', role)) ? 'manager_budget_for_head_office' : null;
}

/**
 * Purchases and redemptions come from tills (of the store they happened in), the CRM, or an admin: they move
 * money and points, so staff do not record them by hand, which would let one credit points for a sale that
 * never went through a till.
 */
export function mayRecordPurchase(principal: Principal, storeId: string): Forbidden {
  if (hasRole(principal, 'crm', 'admin')) return null;
  if (hasRole(principal, 'pos-system')) return principal.storeId === storeId ? null : 'till_of_another_store';
  return 'role_not_allowed';
}

/**
 * Naming `employeeId` as the associate who served the customer at a purchase or a redemption in `storeId`: a
 * till as when it asks for a gesture on the employee's behalf (an employee of its own store); the CRM or an
 * admin an employee of the store it happened in. `employeeStoreId` is the employee's home store, null when
 * they have no budget.
 */
export function mayNameServer(principal: Principal, employeeId: string, employeeStoreId: string | null, storeId: string): Forbidden {
  if (hasRole(principal, 'pos-system')) return mayRequestGesture(principal, employeeId, employeeStoreId);
  if (employeeStoreId === null) return 'employee_not_enrolled';
  return employeeStoreId === storeId ? null : 'another_store';
}

/** Loyalty housekeeping (expiring points, re-tiering) is run by the CRM or an admin, never by a till or staff. */
export function mayExpireLoyalty(principal: Principal): Forbidden {
  return hasRole(principal, 'crm', 'admin') ? null : 'role_not_allowed';
}

/**
 * Feedback arrives through the CRM, tills and staff; systems and staff alike may record it, but no
 * employee records feedback on their own gesture: recognition rewards what customers say, not what
 * staff say of themselves. `concerns` is the employee whose gesture it is about, if any.
 */
export function mayRecordFeedback(principal: Principal, concerns: string | null): Forbidden {
  if (hasRole(principal, 'crm', 'pos-system', 'admin')) return null;
  if (staffRoleOf(principal) === null) return 'role_not_allowed';
  return concerns !== null && principal.subject === concerns ? 'own_gesture' : null;
}

/** The employee a budget belongs to, as far as reading it goes: where they work and in what role. */
export interface BudgetHolder {
  storeId: string;
  role: string;
}

/**
 * Reading a budget: the employee, staff of a higher role in their store, head office staff of
 * supervisor rank or above (a token without a store) for roles below theirs in any store, finance,
 * admin. `employee` is null when the employee has no budget (head office then learns that; a store's
 * staff get `another_store`, as for any employee not theirs).
 */
export function mayReadBudget(principal: Principal, employeeId: string, employee: BudgetHolder | null): Forbidden {
  if (hasRole(principal, 'finance', 'admin')) return null;
  if (principal.subject === employeeId) return null;
  const role = staffRoleOf(principal);
  if (role === null || roleRank(role) < roleRank('supervisor')) return 'not_your_budget';
  if (employee === null) return principal.storeId === null ? null : 'another_store';
  if (principal.storeId !== null && principal.storeId !== employee.storeId) return 'another_store';
  // A peer's or a superior's budget is none of their business, in their store or from head office.
  return isStaffRole(employee.role) && isRoleAbove(role, employee.role) ? null : 'not_your_budget';
}

export function mayPublishPolicy(principal: Principal): Forbidden {
  return hasRole(principal, 'admin') ? null : 'admin_role_required';
}

function sameStoreOrHeadOffice(principal: Principal, employeeStoreId: string | null): Forbidden {
  if (principal.storeId === null) return null;
  return principal.storeId === employeeStoreId ? null : 'another_store';
}
