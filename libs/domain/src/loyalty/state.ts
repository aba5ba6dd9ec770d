import type { TierName } from '../policy/policy.js';
import type { PointLot } from './events.js';

export interface SpendBucket {
  readonly month: string;
  readonly spentMinor: number;
}

/**
 * Invariants, asserted after every event: the balance is the sum of the lots, nothing is negative,
 * lots and buckets are in ascending month order, at most `spendBucketsMax` buckets.
 */
export interface LoyaltyAccount {
  readonly status: 'active';
  readonly customerId: string;
  readonly balancePoints: number;
  readonly lots: readonly PointLot[];
  readonly spend: readonly SpendBucket[];
  readonly tier: TierName | null;
  /** Commands already carried out, newest last, bounded. */
  readonly recentIds: readonly RememberedId[];
}

export interface RememberedId {
  /** E.g. `purchase:p-17`. */
  readonly id: string;
  /** The employee a purchase or a redemption named as having served the customer, or feedback is about; null for anything else. */
  readonly employeeId: string | null;
  /**
   * What a purchase (amount and currency), a redemption (points) or feedback (`feedbackWhat`) was, to tell a
   * retry from another command under the same id; for a bonus credit, the month of the lot it went into (its
   * reversal takes the points back from there); null for anything else.
   */
  readonly what: string | null;
}

/** What a purchase was, as `RememberedId.what` keeps it. */
export const purchaseWhat = (amount: { amountMinor: number; currency: string }): string => `${amount.amountMinor} ${amount.currency}`;

/**
 * What a piece of feedback says, as `RememberedId.what` keeps it (with its employee beside): the facts that
 * count towards recognition. The comment is free text and is not compared.
 */
export const feedbackWhat = (feedback: { kind: string; score: number | null; gestureId: string | null }): string => `${feedback.kind} ${feedback.score ?? '-'} about ${feedback.gestureId ?? 'no gesture'}`;

/** What a redemption was, as `RememberedId.what` keeps it. */
export const redemptionWhat = (points: number): string => `${points} points`;

export type LoyaltyState = { readonly status: 'new' } | LoyaltyAccount;

export const initialLoyaltyState = (): LoyaltyState => ({ status: 'new' });

export const emptyAccount = (customerId: string): LoyaltyAccount => ({ status: 'active', customerId, balancePoints: 0, lots: [], spend: [], tier: null, recentIds: [] });

export function remembered(state: LoyaltyState, id: string): RememberedId | undefined {
  return state.status === 'active' ? state.recentIds.find((entry) => entry.id === id) : undefined;
}

export function hasSeen(state: LoyaltyState, id: string): boolean {
  return remembered(state, id) !== undefined;
}
