import { assert, unreachable } from '../assert.js';
import { limits } from '../limits.js';
import { addMinor, subtractMinor } from '../money.js';
import type { LoyaltyEvent } from './events.js';
import { addToLot, totalPoints, withoutTaken } from './lots.js';
import { addSpend } from './spend.js';
import { emptyAccount, feedbackWhat, purchaseWhat, redemptionWhat, type LoyaltyAccount, type LoyaltyState } from './state.js';

export function evolveLoyalty(state: LoyaltyState, event: LoyaltyEvent): LoyaltyState {
  const account = state.status === 'active' ? state : emptyAccount(event.data.customerId);
  assert(account.customerId === event.data.customerId, `event for ${event.data.customerId} in the stream of ${account.customerId}`);
  return checked(apply(account, event));
}

function apply(account: LoyaltyAccount, event: LoyaltyEvent): LoyaltyAccount {
  switch (event.type) {
    case 'PurchaseRecorded':
      // A purchase of version 1 named nobody: no caller could name an employee then.
      return remember({ ...account, spend: addSpend(account.spend, event.data.month, event.data.amount.amountMinor) }, `purchase:${event.data.purchaseId}`, event.data.who?.employeeId ?? null, purchaseWhat(event.data.amount));
    case 'PointsEarned':
      return { ...account, lots: addToLot(account.lots, event.data.lotMonth, event.data.points), balancePoints: addMinor(account.balancePoints, event.data.points) };
    case 'BonusPointsCredited':
      return remember(
        { ...account, lots: addToLot(account.lots, event.data.lotMonth, event.data.points), balancePoints: addMinor(account.balancePoints, event.data.points) },
        `bonus:${event.data.gestureId}`,
        null,
        event.data.lotMonth,
      );
    case 'BonusPointsReversed':
      assert(totalPoints(event.data.fromLots) === event.data.points, `bonus reversal of ${event.data.gestureId}: lots do not add up to ${event.data.points}`);
      assert(event.data.points + event.data.unrecoveredPoints === event.data.creditedPoints, `bonus reversal of ${event.data.gestureId}: taken + unrecovered must be what was credited`);
      return remember(
        { ...account, lots: withoutTaken(account.lots, event.data.fromLots), balancePoints: subtractMinor(account.balancePoints, event.data.points) },
        `bonus-reversal:${event.data.gestureId}`,
      );
    case 'PointsRedeemed':
      assert(totalPoints(event.data.fromLots) === event.data.points, `redemption ${event.data.redemptionId}: lots do not add up to ${event.data.points}`);
      return remember(
        { ...account, lots: withoutTaken(account.lots, event.data.fromLots), balancePoints: subtractMinor(account.balancePoints, event.data.points) },
        `redemption:${event.data.redemptionId}`,
        event.data.who.employeeId,
        redemptionWhat(event.data.points),
      );
    case 'PointsExpired':
      assert(totalPoints(event.data.lots) === event.data.points, 'expired lots do not add up');
      return { ...account, lots: withoutTaken(account.lots, event.data.lots), balancePoints: subtractMinor(account.balancePoints, event.data.points) };
    case 'TierChanged':
      assert(account.tier === event.data.from, `tier change from ${event.data.from} but the customer is ${account.tier}`);
      return { ...account, tier: event.data.to };
    case 'FeedbackReceived':
      return remember(account, `feedback:${event.data.feedbackId}`, event.data.employeeId, feedbackWhat(event.data));
    default:
      return unreachable(event, 'loyalty event');
  }
}

function remember(account: LoyaltyAccount, id: string, employeeId: string | null = null, what: string | null = null): LoyaltyAccount {
  const recentIds = [...account.recentIds, { id, employeeId, what }];
  return { ...account, recentIds: recentIds.slice(Math.max(0, recentIds.length - limits.loyaltyIdsRememberedMax)) };
}

function checked(account: LoyaltyAccount): LoyaltyAccount {
  assert(account.balancePoints >= 0, `balance ${account.balancePoints} below zero`);
  assert(account.balancePoints === totalPoints(account.lots), `balance ${account.balancePoints} is not the sum of the lots`);
  assert(account.lots.every((lot, i) => lot.points > 0 && (i === 0 || account.lots[i - 1]!.month < lot.month)), 'lots must be positive and in month order');
  assert(account.spend.length <= limits.spendBucketsMax, 'too many spend buckets');
  return account;
}
