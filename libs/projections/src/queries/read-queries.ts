import type { Principal } from '#auth';
import { staffRoleOf, type Result } from '#ledger';
import { mayListLoyaltyStandings, mayReadApprovalQueue, mayReadCustomer360, mayReadEmployeeBudget } from './read-access.js';
import type { ReadModels } from './read-models.js';
import type { BudgetPeriodView, BudgetView, Customer360View, LoyaltyStandingView, QueueItemView } from './views.js';

/**
 * The query side's application service: checks who may read what (the employee's home store comes from
 * the read models themselves), then runs the query. Every shell (HTTP, a script) calls this.
 */
export class ReadQueries {
  constructor(
    private readonly reads: ReadModels,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async budget(principal: Principal, employeeId: string, periodKey: string | null): Promise<Result<BudgetView>> {
    const employee = await this.reads.employee(employeeId);
    const forbidden = mayReadEmployeeBudget(principal, employeeId, employee);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    if (!employee) return { kind: 'not_found', what: 'budget' };
    const view = await this.reads.budget(employee, periodKey, this.clock());
    if (periodKey !== null && view.period === null) return { kind: 'not_found', what: 'budget period' };
    return { kind: 'ok', value: view };
  }

  async budgetPeriods(principal: Principal, employeeId: string, page: { limit: number; before: string | null; beforePeriod?: string | null }): Promise<Result<{ employeeId: string; periods: BudgetPeriodView[] }>> {
    const employee = await this.reads.employee(employeeId);
    const forbidden = mayReadEmployeeBudget(principal, employeeId, employee);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    if (!employee) return { kind: 'not_found', what: 'budget' };
    return { kind: 'ok', value: { employeeId, periods: await this.reads.budgetPeriods(employee, page, this.clock()) } };
  }

  /** The caller's own queue: their store (all stores for head office), roles they may approve, never their own gestures. */
  async approvalQueue(principal: Principal, limit: number): Promise<Result<{ approverRole: string; storeId: string | null; items: QueueItemView[] }>> {
    const forbidden = mayReadApprovalQueue(principal);
    const role = staffRoleOf(principal);
    if (forbidden || role === null) return { kind: 'forbidden', reason: forbidden ?? 'approver_role_required' };
    const items = await this.reads.supervisorQueue({ employeeId: principal.subject, role, storeId: principal.storeId }, limit, this.clock());
    return { kind: 'ok', value: { approverRole: role, storeId: principal.storeId, items } };
  }

  /** A page of customers with points or a tier, in id order; `next` is the cursor of the following page, null at the end. */
  async loyaltyStandings(principal: Principal, page: { after: string | null; limit: number }): Promise<Result<{ customers: LoyaltyStandingView[]; next: string | null }>> {
    const forbidden = mayListLoyaltyStandings(principal);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    const customers = await this.reads.customersWithLoyalty(page);
    return { kind: 'ok', value: { customers, next: customers.length === page.limit ? customers[customers.length - 1]!.customerId : null } };
  }

  async customer360(principal: Principal, customerId: string): Promise<Result<Customer360View>> {
    const forbidden = mayReadCustomer360(principal);
    if (forbidden) return { kind: 'forbidden', reason: forbidden };
    const view = await this.reads.customer360(customerId, this.clock());
    return view ? { kind: 'ok', value: view } : { kind: 'not_found', what: 'customer' };
  }
}
