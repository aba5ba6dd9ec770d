import { assertId } from '../ids.js';

/** The category prefix, for subscriptions that follow every budget. */
export const budgetStreamPrefix = 'discretion-budget-';

/** One stream per employee: every decision about their budget is serialised by its revision. */
export function budgetStreamName(employeeId: string): string {
  assertId(employeeId, 'employeeId');
  return `${budgetStreamPrefix}${employeeId}`;
}
