import { hasRole, type Principal } from '#auth';
import { staffRoleOf, type Forbidden } from '#ledger';

/** The journal, spend, the export, anomalies and the audit: finance and admins only. */
export function mayReadFinance(principal: Principal): Forbidden {
  return hasRole(principal, 'finance', 'admin') ? null : 'finance_role_required';
}

export type RecognitionScope = { kind: 'forbidden'; reason: string } | { kind: 'allowed'; storeId: string | null; employeeId: string | null };

/**
 * Whose recognition a caller may see: finance and admins anyone's; a manager their store's (head-office
 * managers every store's); other staff only their own. Systems (CRM, tills) none. A filter the caller
 * leaves out is narrowed to what they may see rather than refused.
 */
export function recognitionScope(principal: Principal, asked: { storeId: string | null; employeeId: string | null }): RecognitionScope {
  if (hasRole(principal, 'finance', 'admin')) return { kind: 'allowed', ...asked };
  if (hasRole(principal, 'manager')) {
    if (principal.storeId === null) return { kind: 'allowed', ...asked };
    if (asked.storeId !== null && asked.storeId !== principal.storeId) return { kind: 'forbidden', reason: 'another_store' };
    return { kind: 'allowed', storeId: principal.storeId, employeeId: asked.employeeId };
  }
  if (staffRoleOf(principal) !== null) {
    if (asked.employeeId !== null && asked.employeeId !== principal.subject) return { kind: 'forbidden', reason: 'not_your_recognition' };
    return { kind: 'allowed', storeId: asked.storeId, employeeId: principal.subject };
  }
  return { kind: 'forbidden', reason: 'role_not_allowed' };
}
