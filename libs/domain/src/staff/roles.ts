/** Frontline roles from least to most authority; the order is what approval rights rest on. */
export const staffRoles = ['associate', 'senior_associate', 'supervisor', 'manager'] as const;
export type StaffRole = (typeof staffRoles)[number];

/** A back-office system or finance operator: may enrol staff and undo gestures, never grant or approve them. */
export type AuthorityRole = StaffRole | 'admin';

export function isStaffRole(role: string): role is StaffRole {
  return (staffRoles as readonly string[]).includes(role);
}

export function roleRank(role: StaffRole): number {
  return staffRoles.indexOf(role);
}

export function isRoleAbove(role: StaffRole, other: StaffRole): boolean {
  return roleRank(role) > roleRank(other);
}

/** An approver may decide an escalation addressed to their role or to any role below it. */
export function mayApprove(approverRole: StaffRole, requiredRole: StaffRole): boolean {
  return roleRank(approverRole) >= roleRank(requiredRole);
}

/** Enrolling staff and changing their budgets is for managers and back-office systems only. */
export function mayManageBudgets(role: AuthorityRole): boolean {
  return role === 'admin' || role === 'manager';
}
