import type { DomainCommand } from '../decider.js';
import type { When, Where, Who, Why } from '../context.js';
import type { Money } from '../money.js';

/**
 * `who.employeeId` is the employee who served the customer (null when a system recorded it without naming
 * one), `who.actorId` the caller; the same for a redemption. A repeat naming another employee is a reused id.
 */
export type RecordPurchase = DomainCommand<'RecordPurchase', {
  readonly customerId: string;
  readonly purchaseId: string;
  readonly amount: Money;
  readonly who: Who;
  readonly where: Where;
  readonly occurredAt: string;
  readonly recordedAt: string;
}>;

/**
 * Sent by the shell when a bonus-points gesture is granted or approved; `who`, `where`, `why` and
 * `when` are copied from that gesture's event, `recordedAt` is the server's clock now.
 */
export type CreditBonusPoints = DomainCommand<'CreditBonusPoints', {
  readonly customerId: string;
  readonly gestureId: string;
  readonly employeeId: string;
  readonly points: number;
  readonly who: Who;
  readonly where: Where;
  readonly why: Why;
  readonly when: When;
  readonly recordedAt: string;
}>;

/**
 * Sent by the shell when a bonus-points gesture is reversed: takes back the `points` its credit gave,
 * as far as the balance still holds them. `who`, `where`, `why` and `when` are the reversal's.
 */
export type ReverseBonusPoints = DomainCommand<'ReverseBonusPoints', CreditBonusPoints['data']>;

export type RedeemPoints = DomainCommand<'RedeemPoints', {
  readonly customerId: string;
  readonly redemptionId: string;
  readonly points: number;
  readonly who: Who;
  readonly where: Where;
  readonly occurredAt: string;
  readonly recordedAt: string;
}>;

/**
 * Sent by the expiry run. What has expired is judged by the month every store of the policy has
 * reached at `recordedAt`; `asOf` is only the UTC date of `recordedAt`, by which the shell names the run.
 */
export type ExpirePoints = DomainCommand<'ExpirePoints', {
  readonly customerId: string;
  readonly asOf: string;
  readonly recordedAt: string;
}>;

export const feedbackKinds = ['csat', 'compliment', 'complaint'] as const;
export type FeedbackKind = (typeof feedbackKinds)[number];

export type RecordFeedback = DomainCommand<'RecordFeedback', {
  readonly customerId: string;
  readonly feedbackId: string;
  readonly kind: FeedbackKind;
  /** 1..5; required for a CSAT answer, optional otherwise. */
  readonly score: number | null;
  /** The gesture and the employee the feedback is about, when it is about one. */
  readonly gestureId: string | null;
  readonly employeeId: string | null;
  readonly comment: string | null;
  readonly channel: Where['channel'] | null;
  readonly occurredAt: string;
  readonly recordedAt: string;
}>;

export type LoyaltyCommand = RecordPurchase | CreditBonusPoints | ReverseBonusPoints | RedeemPoints | ExpirePoints | RecordFeedback;
