import type { DomainEvent } from '../decider.js';
import type { GestureContext, Where, Who } from '../context.js';
import type { Money } from '../money.js';
import type { TierName } from '../policy/policy.js';
import type { FeedbackKind } from './commands.js';

/** Stream: `customer-loyalty-{customerId}`. */

/** Points earned in one month; they expire together and the oldest are redeemed first. */
export interface PointLot {
  readonly month: string;
  readonly points: number;
}

export type PurchaseRecorded = DomainEvent<'PurchaseRecorded', {
  readonly customerId: string;
  readonly purchaseId: string;
  readonly amount: Money;
  /** The store-local month the spend counts towards. */
  readonly month: string;
  /**
   * Who served the customer (`employeeId`, null when a system recorded it without naming anyone) and who
   * sent it (`actorId`). Null for a purchase recorded at version 1, before purchases said who: none could
   * name an employee then, and its caller is only in the event's metadata (`actor`), which the fold does not read.
   */
  readonly who: Who | null;
  readonly where: Where;
  readonly occurredAt: string;
  readonly recordedAt: string;
  readonly policyVersion: number;
}, 2>;

export type PointsEarned = DomainEvent<'PointsEarned', {
  readonly customerId: string;
  readonly purchaseId: string;
  readonly points: number;
  readonly lotMonth: string;
  readonly recordedAt: string;
  readonly policyVersion: number;
}>;

export type BonusPointsCredited = DomainEvent<'BonusPointsCredited', GestureContext & {
  readonly customerId: string;
  readonly gestureId: string;
  readonly employeeId: string;
  readonly points: number;
  readonly lotMonth: string;
  readonly creditedAt: string;
}>;

/**
 * A bonus-points gesture was reversed. `points` left the balance (from the lot the bonus went into
 * first, then newest lots first); what the customer had already spent or
 * lost to expiry cannot be taken back and is recorded as `unrecoveredPoints`, never as a negative balance.
 */
export type BonusPointsReversed = DomainEvent<'BonusPointsReversed', GestureContext & {
  readonly customerId: string;
  readonly gestureId: string;
  readonly employeeId: string;
  /** What the reversed gesture had credited. */
  readonly creditedPoints: number;
  /** Taken back: at most the balance. */
  readonly points: number;
  readonly unrecoveredPoints: number;
  readonly fromLots: readonly PointLot[];
  readonly balanceAfter: number;
  readonly reversedAt: string;
}>;

export type PointsRedeemed = DomainEvent<'PointsRedeemed', {
  readonly customerId: string;
  readonly redemptionId: string;
  readonly points: number;
  /** Which lots paid, oldest first. */
  readonly fromLots: readonly PointLot[];
  readonly balanceAfter: number;
  /** Who served the customer (null when a system redeemed without naming anyone) and who sent it. */
  readonly who: Who;
  readonly where: Where;
  readonly occurredAt: string;
  readonly recordedAt: string;
  /** The policy the redemption was decided under; null for one recorded at version 1, before events carried it. */
  readonly policyVersion: number | null;
}, 2>;

export type PointsExpired = DomainEvent<'PointsExpired', {
  readonly customerId: string;
  readonly asOfMonth: string;
  readonly points: number;
  readonly lots: readonly PointLot[];
  readonly recordedAt: string;
  readonly policyVersion: number;
}>;

export type TierChanged = DomainEvent<'TierChanged', {
  readonly customerId: string;
  /** Null the first time a customer is placed in a tier. */
  readonly from: TierName | null;
  readonly to: TierName;
  readonly rolling12mSpendMinor: number;
  readonly asOfMonth: string;
  readonly recordedAt: string;
  readonly policyVersion: number;
}>;

export type FeedbackReceived = DomainEvent<'FeedbackReceived', {
  readonly customerId: string;
  readonly feedbackId: string;
  readonly kind: FeedbackKind;
  readonly score: number | null;
  readonly gestureId: string | null;
  readonly employeeId: string | null;
  readonly comment: string | null;
  readonly channel: Where['channel'] | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
  /** The policy in force when the feedback was recorded; null for feedback recorded at version 1, before events carried it. */
  readonly policyVersion: number | null;
}, 2>;

export type LoyaltyEvent = PurchaseRecorded | PointsEarned | BonusPointsCredited | BonusPointsReversed | PointsRedeemed | PointsExpired | TierChanged | FeedbackReceived;
