/** Roles a bearer token can carry. Staff roles come from the policy's ladder; the rest are systems and back office. */
export const callerRoles = ['associate', 'senior_associate', 'supervisor', 'manager', 'finance', 'crm', 'pos-system', 'admin'] as const;
export type CallerRole = (typeof callerRoles)[number];

export function isCallerRole(value: unknown): value is CallerRole {
  return typeof value === 'string' && (callerRoles as readonly string[]).includes(value);
}

/** The authenticated caller: the token's subject, roles and store (null for head-office callers). */
export interface Principal {
  readonly subject: string;
  readonly roles: readonly CallerRole[];
  readonly storeId: string | null;
}

export function hasRole(principal: Principal, ...roles: CallerRole[]): boolean {
  return principal.roles.some((r) => roles.includes(r));
}
