import type { Channel } from '../context.js';

export const gestureTypes = [
  'refund_outside_policy',
  'fee_waiver',
  'goodwill_credit',
  'competitor_price_match',
  'discount',
  'upgrade',
  'gift',
  'bonus_loyalty_points',
  'free_shipping',
  'cash_payout',
] as const;
export type GestureType = (typeof gestureTypes)[number];

export function isGestureType(value: string): value is GestureType {
  return (gestureTypes as readonly string[]).includes(value);
}

/** Bonus points are the one gesture whose cost is counted in points; the loyalty flow relies on it. */
export const pointsGestureType: GestureType = 'bonus_loyalty_points';

export type CostKind = 'money' | 'points';

export interface GestureTypeRule {
  readonly costKind: CostKind;
  readonly allowedChannels: readonly Channel[];
  readonly reasonCodeRequired: boolean;
  readonly noteRequired: boolean;
  /** Regulated gestures (payouts, advice waivers) need a licensed process; frontline staff may never grant them. */
  readonly regulated: boolean;
  /** A reason code, when given, must be one of these. */
  readonly allowedReasonCodes: readonly string[];
}

export type GestureCatalogue = Readonly<Record<GestureType, GestureTypeRule>>;
