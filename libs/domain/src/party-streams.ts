import { budgetStreamPrefix } from './discretion-budget/stream.js';
import { loyaltyStreamPrefix } from './loyalty/stream.js';

export type PartyKind = 'employee' | 'customer';

/**
 * Whose stream a stream name is: the employee of a discretion budget, the customer of a loyalty account;
 * null for any other stream (the policy, the services' own bookkeeping). The one place the stream names
 * are read back, for those who follow the whole log (the CRM feed's keys and folded states).
 */
export function partyOfStream(streamName: string): { kind: PartyKind; id: string } | null {
  if (streamName.startsWith(budgetStreamPrefix)) return { kind: 'employee', id: streamName.slice(budgetStreamPrefix.length) };
  if (streamName.startsWith(loyaltyStreamPrefix)) return { kind: 'customer', id: streamName.slice(loyaltyStreamPrefix.length) };
  return null;
}
