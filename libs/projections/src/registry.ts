import { budgetProjection } from './budget/budget-projection.js';
import { customerProjection } from './customer/customer-projection.js';
import { financeProjections } from './finance/index.js';
import type { Projection } from './projection.js';

/** Budgets, escalations and customer 360: what the query API reads. */
export const coreProjections: readonly Projection[] = [budgetProjection, customerProjection];

/** Every projection the projector keeps, in the order each batch applies them. */
export const allProjections: readonly Projection[] = [...coreProjections, ...financeProjections];
