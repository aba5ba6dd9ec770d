import type { StaffRole } from '../staff/roles.js';
import type { PeriodKind } from '../time/periods.js';
import type { GestureCatalogue } from './catalogue.js';

export interface StoreRule {
  /** IANA zone; budget periods are that store's local days, weeks and months. */
  readonly timeZone: string;
  readonly region: string;
}

/** All amounts are minor units of the policy's currency, per employee. */
export interface RoleRule {
  readonly period: PeriodKind;
  readonly allowanceMinor: number;
  readonly capPerGestureMinor: number;
  readonly capPerCustomerPerPeriodMinor: number;
  readonly autoApproveUpToMinor: number;
  /** Who decides this role's escalations; null for the top of the chain, which cannot escalate. */
  readonly approverRole: StaffRole | null;
  readonly escalationTtlMinutes: number;
}

export const tierNames = ['bronze', 'silver', 'gold', 'platinum'] as const;
export type TierName = (typeof tierNames)[number];

export interface TierRule {
  readonly name: TierName;
  readonly minSpend12mMinor: number;
}

export interface LoyaltyRule {
  readonly earnPointsPerMajorUnit: number;
  /** Ascending by spend; the first tier starts at zero so every customer has one. */
  readonly tiers: readonly TierRule[];
  readonly pointsExpireAfterMonths: number;
}

export interface Policy {
  readonly version: number;
  readonly currency: string;
  /** The money value of one loyalty point, used to charge bonus-point gestures against budgets. */
  readonly pointValueMinor: number;
  readonly stores: Readonly<Record<string, StoreRule>>;
  readonly roles: Readonly<Record<StaffRole, RoleRule>>;
  readonly catalogue: GestureCatalogue;
  readonly loyalty: LoyaltyRule;
}

/** Store ids come from users; `Object.hasOwn` keeps `__proto__` and friends from resolving to a store. */
export function storeOf(policy: Policy, storeId: string): StoreRule | undefined {
  return Object.hasOwn(policy.stores, storeId) ? policy.stores[storeId] : undefined;
}
