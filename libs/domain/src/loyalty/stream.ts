import { assertId } from '../ids.js';

export const loyaltyStreamPrefix = 'customer-loyalty-';

/** One stream per customer: their points can only be spent once because appends to it are serialised. */
export function loyaltyStreamName(customerId: string): string {
  assertId(customerId, 'customerId');
  return `${loyaltyStreamPrefix}${customerId}`;
}
