import { assert, unreachable } from '../assert.js';
import { assertWhen, assertWhere, assertWho, assertWhy, isChannel, type Who } from '../context.js';
import type { Decider } from '../decider.js';
import { refuse, type Decision } from '../decision.js';
import { assertId, assertOptionalText } from '../ids.js';
import { limits } from '../limits.js';
import { assertMoney } from '../money.js';
import { storeOf, type Policy } from '../policy/policy.js';
import { formatDate, localDateAt, localMonthAt } from '../time/calendar.js';
import { addMinutes, parseInstant } from '../time/instant.js';
import { feedbackKinds, type CreditBonusPoints, type ExpirePoints, type LoyaltyCommand, type RecordFeedback, type RecordPurchase, type RedeemPoints, type ReverseBonusPoints } from './commands.js';
import type { LoyaltyEvent, PointLot } from './events.js';
import { evolveLoyalty } from './evolve.js';
import { monthEveryStoreHasReached } from './expiry-month.js';
import { bonusLotFirst, dueForExpiry, oldestFirst, pointsForPurchase, totalPoints } from './lots.js';
import type { LoyaltyRefusalReason } from './refusals.js';
import { rolling12mSpendMinor, tierFor } from './spend.js';
import { feedbackWhat, hasSeen, initialLoyaltyState, purchaseWhat, redemptionWhat, remembered, type LoyaltyState } from './state.js';

type LoyaltyDecision = Decision<LoyaltyEvent, LoyaltyRefusalReason>;

/**
 * Decides one command on a customer's loyalty account. Every command that touches points first
 * expires what is due as of its own date, so points past their expiry can never be redeemed just
 * because the nightly expiry job has not run yet.
 */
export function decideLoyalty(command: LoyaltyCommand, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  switch (command.type) {
    case 'RecordPurchase':
      return recordPurchase(command, state, policy);
    case 'CreditBonusPoints':
      return creditBonusPoints(command, state, policy);
    case 'ReverseBonusPoints':
      return reverseBonusPoints(command, state, policy);
    case 'RedeemPoints':
      return redeemPoints(command, state, policy);
    case 'ExpirePoints':
      return expirePoints(command, state, policy);
    case 'RecordFeedback':
      return recordFeedback(command, state, policy);
    default:
      return unreachable(command, 'loyalty command');
  }
}

function recordPurchase({ data }: RecordPurchase, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  assertId(data.customerId, 'customerId');
  assertId(data.purchaseId, 'purchaseId');
  assertMoney(data.amount, 'amount');
  assert(data.amount.amountMinor >= 1, 'a purchase is worth at least one minor unit');
  assertWho(data.who, 'who');
  assertWhere(data.where);
  const repeat = repeated(state, `purchase:${data.purchaseId}`, data.who, purchaseWhat(data.amount), 'purchase');
  if (repeat !== null) return repeat;
  const store = storeOf(policy, data.where.storeId);
  if (store === undefined) return refuse('unknown_store');
  if (data.amount.currency !== policy.currency) return refuse('currency_mismatch');
  const occurredMs = parseInstant(data.occurredAt, 'occurredAt');
  const recordedMs = parseInstant(data.recordedAt, 'recordedAt');
  if (occurredMs > addMinutes(recordedMs, limits.clockSkewToleranceMinutes)) return refuse('occurred_in_future');

  const month = localMonthAt(occurredMs, store.timeZone);
  const draft = new Draft(state);
  draft.add({ type: 'PurchaseRecorded', schemaVersion: 2, data: { customerId: data.customerId, purchaseId: data.purchaseId, amount: data.amount, month, who: data.who, where: data.where, occurredAt: data.occurredAt, recordedAt: data.recordedAt, policyVersion: policy.version } });
  const points = pointsForPurchase(data.amount.amountMinor, data.amount.currency, policy.loyalty.earnPointsPerMajorUnit);
  if (points > 0) {
    draft.add({ type: 'PointsEarned', schemaVersion: 1, data: { customerId: data.customerId, purchaseId: data.purchaseId, points, lotMonth: month, recordedAt: data.recordedAt, policyVersion: policy.version } });
  }
  const asOfMonth = notBeforeLatestSpend(draft.state, localMonthAt(recordedMs, store.timeZone));
  draft.expireDue(data.customerId, asOfMonth, data.recordedAt, policy);
  draft.retier(data.customerId, asOfMonth, data.recordedAt, policy);
  return draft.events;
}

function creditBonusPoints({ data }: CreditBonusPoints, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  assertBonus(data);
  if (hasSeen(state, `bonus:${data.gestureId}`)) return [];
  const store = storeOf(policy, data.where.storeId);
  if (store === undefined) return refuse('unknown_store');

  // Points count as earned when credited, which is when the customer can first use them.
  const lotMonth = localMonthAt(parseInstant(data.recordedAt, 'recordedAt'), store.timeZone);
  const draft = new Draft(state);
  draft.add({
    type: 'BonusPointsCredited',
    schemaVersion: 1,
    data: { customerId: data.customerId, gestureId: data.gestureId, employeeId: data.employeeId, points: data.points, lotMonth, creditedAt: data.recordedAt, who: data.who, where: data.where, why: data.why, when: data.when, policyVersion: policy.version },
  });
  draft.expireDue(data.customerId, lotMonth, data.recordedAt, policy);
  return draft.events;
}

/**
 * Takes back a reversed gesture's bonus, as far as the balance allows: points already redeemed or
 * expired are gone, so the shortfall is recorded instead of driving the balance below zero. Always
 * records an event, even when nothing could be taken, so finance sees every reversal; once per gesture.
 */
function reverseBonusPoints({ data }: ReverseBonusPoints, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  assertBonus(data);
  if (hasSeen(state, `bonus-reversal:${data.gestureId}`)) return [];
  const store = storeOf(policy, data.where.storeId);
  if (store === undefined) return refuse('unknown_store');

  const draft = new Draft(state);
  // Points past their expiry are lost to the customer already; they cannot also pay back the bonus.
  const lots = draft.spendableLots(data.customerId, localMonthAt(parseInstant(data.recordedAt, 'recordedAt'), store.timeZone), data.recordedAt, policy);
  const balance = totalPoints(lots);
  const taken = Math.min(data.points, balance);
  draft.add({
    type: 'BonusPointsReversed',
    schemaVersion: 1,
    data: {
      customerId: data.customerId,
      gestureId: data.gestureId,
      employeeId: data.employeeId,
      creditedPoints: data.points,
      points: taken,
      unrecoveredPoints: data.points - taken,
      fromLots: bonusLotFirst(lots, taken, remembered(state, `bonus:${data.gestureId}`)?.what ?? null),
      balanceAfter: balance - taken,
      reversedAt: data.recordedAt,
      who: data.who,
      where: data.where,
      why: data.why,
      when: data.when,
      policyVersion: policy.version,
    },
  });
  return draft.events;
}

function redeemPoints({ data }: RedeemPoints, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  assertId(data.customerId, 'customerId');
  assertId(data.redemptionId, 'redemptionId');
  assertPoints(data.points);
  assertWho(data.who, 'who');
  assertWhere(data.where);
  parseInstant(data.occurredAt, 'occurredAt');
  const repeat = repeated(state, `redemption:${data.redemptionId}`, data.who, redemptionWhat(data.points), 'redemption');
  if (repeat !== null) return repeat;
  const store = storeOf(policy, data.where.storeId);
  if (store === undefined) return refuse('unknown_store');
  // As purchases and feedback: a redemption dated ahead would sit in views of periods that have not come yet.
  if (parseInstant(data.occurredAt, 'occurredAt') > addMinutes(parseInstant(data.recordedAt, 'recordedAt'), limits.clockSkewToleranceMinutes)) return refuse('occurred_in_future');

  const draft = new Draft(state);
  const lots = draft.spendableLots(data.customerId, localMonthAt(parseInstant(data.recordedAt, 'recordedAt'), store.timeZone), data.recordedAt, policy);
  const balance = totalPoints(lots);
  if (data.points > balance) return refuse('insufficient_points', [`balance is ${balance}`]);
  draft.add({
    type: 'PointsRedeemed',
    schemaVersion: 2,
    data: { customerId: data.customerId, redemptionId: data.redemptionId, points: data.points, fromLots: oldestFirst(lots, data.points), balanceAfter: balance - data.points, who: data.who, where: data.where, occurredAt: data.occurredAt, recordedAt: data.recordedAt, policyVersion: policy.version },
  });
  return draft.events;
}

/** Idempotent by nature: a second run judging by the same month finds nothing due and no tier to change. */
function expirePoints({ data }: ExpirePoints, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  assertId(data.customerId, 'customerId');
  const recordedMs = parseInstant(data.recordedAt, 'recordedAt');
  // The shell names the run by `asOf`; a name claiming another day than the run's would mislabel it.
  assert(data.asOf === formatDate(localDateAt(recordedMs, 'UTC')), `asOf must be the UTC date of recordedAt ${data.recordedAt}, got ${data.asOf}`);
  if (state.status === 'new') return [];
  const asOfMonth = notBeforeLatestSpend(state, monthEveryStoreHasReached(policy, recordedMs));
  const draft = new Draft(state);
  draft.expireDue(data.customerId, asOfMonth, data.recordedAt, policy);
  draft.retier(data.customerId, asOfMonth, data.recordedAt, policy);
  return draft.events;
}

function recordFeedback({ data }: RecordFeedback, state: LoyaltyState, policy: Policy): LoyaltyDecision {
  assertId(data.customerId, 'customerId');
  assertId(data.feedbackId, 'feedbackId');
  assert((feedbackKinds as readonly string[]).includes(data.kind), `unknown feedback kind ${data.kind}`);
  if (data.gestureId !== null) assertId(data.gestureId, 'gestureId');
  if (data.employeeId !== null) assertId(data.employeeId, 'employeeId');
  if (data.channel !== null) assert(isChannel(data.channel), `unknown channel ${data.channel}`);
  assertOptionalText(data.comment, limits.commentLengthMax, 'comment');
  const occurredMs = parseInstant(data.occurredAt, 'occurredAt');
  const recordedMs = parseInstant(data.recordedAt, 'recordedAt');
  const first = remembered(state, `feedback:${data.feedbackId}`);
  if (first !== undefined) {
    if (first.what === feedbackWhat(data) && first.employeeId === data.employeeId) return [];
    return refuse('idempotency_key_reused', [`this id was first used for feedback (${first.what}) that differs from this; its first answer stands`]);
  }
  // Feedback dated ahead would sit in recognition and finance views of periods that have not come yet.
  if (occurredMs > addMinutes(recordedMs, limits.clockSkewToleranceMinutes)) return refuse('occurred_in_future');
  const scoreValid = data.score === null ? data.kind !== 'csat' : Number.isInteger(data.score) && data.score >= 1 && data.score <= 5;
  if (!scoreValid) return refuse('invalid_score', ['a CSAT answer needs a score of 1 to 5; other feedback may omit it']);
  return [{ type: 'FeedbackReceived', schemaVersion: 2, data: { ...data, policyVersion: policy.version } }];
}

/**
 * Never judge spend and expiry by a month before the customer's latest spend: a purchase in a store already
 * in the new month re-tiered them as of it, and judging by the old one (the expiry run, or a purchase in a
 * store still in the old month) would drop the tier that purchase just earned.
 */
function notBeforeLatestSpend(state: LoyaltyState, month: string): string {
  const latest = state.status === 'active' ? (state.spend.at(-1)?.month ?? '') : '';
  return latest > month ? latest : month;
}

/**
 * A purchase or a redemption carried out already: a retry (from any till) records nothing new, but one of
 * another amount (or points), or naming another employee as having served the customer, is another command
 * under a reused id. Null: not seen.
 */
function repeated(state: LoyaltyState, id: string, who: Who, what: string, kind: 'purchase' | 'redemption'): LoyaltyDecision | null {
  const first = remembered(state, id);
  if (first === undefined) return null;
  if (first.what !== what) return refuse('idempotency_key_reused', [`this id was first used for a ${kind} of ${first.what}, not ${what}; its first answer stands`]);
  return first.employeeId === who.employeeId ? [] : refuse('idempotency_key_reused', ['this id was first used naming another employee as having served the customer; its first answer stands']);
}

function assertBonus(data: CreditBonusPoints['data']): void {
  assertId(data.customerId, 'customerId');
  assertId(data.gestureId, 'gestureId');
  assertId(data.employeeId, 'employeeId');
  assertPoints(data.points);
  assertWho(data.who, 'who');
  assertWhere(data.where);
  assertWhy(data.why);
  assertWhen(data.when);
}

function assertPoints(points: number): void {
  assert(Number.isSafeInteger(points) && points >= 1 && points <= limits.pointsPerCommandMax, `points must be 1..${limits.pointsPerCommandMax}, got ${points}`);
}

/**
 * Events decided so far and the state they lead to, so that a later step of the same decision
 * (expiry after earning, tier after spending) sees the earlier ones.
 */
class Draft {
  readonly events: LoyaltyEvent[] = [];
  constructor(public state: LoyaltyState) {}

  add(event: LoyaltyEvent): void {
    this.events.push(event);
    this.state = evolveLoyalty(this.state, event);
  }

  expireDue(customerId: string, asOfMonth: string, recordedAt: string, policy: Policy): void {
    if (this.state.status !== 'active') return;
    const lots = dueForExpiry(this.state.lots, asOfMonth, policy.loyalty.pointsExpireAfterMonths);
    if (lots.length === 0) return;
    this.add({ type: 'PointsExpired', schemaVersion: 1, data: { customerId, asOfMonth, points: totalPoints(lots), lots, recordedAt, policyVersion: policy.version } });
  }

  /** The lots points can be taken from now: whatever is past its expiry is expired first (and recorded). */
  spendableLots(customerId: string, asOfMonth: string, recordedAt: string, policy: Policy): readonly PointLot[] {
    this.expireDue(customerId, asOfMonth, recordedAt, policy);
    return this.state.status === 'active' ? this.state.lots : [];
  }

  retier(customerId: string, asOfMonth: string, recordedAt: string, policy: Policy): void {
    if (this.state.status !== 'active') return;
    const spend = rolling12mSpendMinor(this.state.spend, asOfMonth);
    const to = tierFor(spend, policy.loyalty.tiers);
    if (to === this.state.tier) return;
    this.add({ type: 'TierChanged', schemaVersion: 1, data: { customerId, from: this.state.tier, to, rolling12mSpendMinor: spend, asOfMonth, recordedAt, policyVersion: policy.version } });
  }
}

export const loyaltyDecider: Decider<LoyaltyState, LoyaltyCommand, LoyaltyEvent, LoyaltyRefusalReason, Policy> = {
  initialState: initialLoyaltyState,
  decide: decideLoyalty,
  evolve: evolveLoyalty,
};
