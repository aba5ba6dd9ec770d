import { describe, expect, it } from '@jest/globals';
import { isRoleAbove, mayApprove, mayManageBudgets } from './roles.js';

describe('roles', () => {
  it('lets an approver decide for the required role or any role below theirs', () => {
    expect(mayApprove('supervisor', 'senior_associate')).toBe(true);
    expect(mayApprove('senior_associate', 'senior_associate')).toBe(true);
    expect(mayApprove('associate', 'senior_associate')).toBe(false);
    expect(mayApprove('supervisor', 'manager')).toBe(false);
    expect(mayApprove('manager', 'manager')).toBe(true);
  });

  it('orders roles strictly', () => {
    expect(isRoleAbove('manager', 'supervisor')).toBe(true);
    expect(isRoleAbove('supervisor', 'supervisor')).toBe(false);
  });

  it('lets only managers and admins manage budgets', () => {
    expect(mayManageBudgets('manager')).toBe(true);
    expect(mayManageBudgets('admin')).toBe(true);
    expect(mayManageBudgets('supervisor')).toBe(false);
  });
});
