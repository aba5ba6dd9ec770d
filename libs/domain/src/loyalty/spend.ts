import { addMinor } from '../money.js';
import { limits } from '../limits.js';
import type { TierName, TierRule } from '../policy/policy.js';
import { monthsBetween } from '../time/calendar.js';
import type { SpendBucket } from './state.js';

/** Adds spend to its month and forgets months that can no longer fall in any rolling year. */
export function addSpend(buckets: readonly SpendBucket[], month: string, amountMinor: number): SpendBucket[] {
  const existing = buckets.find((b) => b.month === month);
  const added = existing !== undefined
    ? buckets.map((b) => (b === existing ? { month, spentMinor: addMinor(b.spentMinor, amountMinor) } : b))
    : [...buckets, { month, spentMinor: amountMinor }].sort((a, b) => (a.month < b.month ? -1 : 1));
  const newest = added[added.length - 1]!.month;
  return added.filter((b) => monthsBetween(b.month, newest) < limits.spendBucketsMax);
}

/** Spend in the twelve months ending with `asOfMonth`, inclusive. */
export function rolling12mSpendMinor(buckets: readonly SpendBucket[], asOfMonth: string): number {
  return buckets
    .filter((b) => {
      const age = monthsBetween(b.month, asOfMonth);
      return age >= 0 && age < 12;
    })
    .reduce((sum, b) => addMinor(sum, b.spentMinor), 0);
}

/** The highest tier whose threshold the spend reaches; tiers are validated to start at zero and rise. */
export function tierFor(spendMinor: number, tiers: readonly TierRule[]): TierName {
  let tier = tiers[0]!.name;
  for (const rule of tiers) if (spendMinor >= rule.minSpend12mMinor) tier = rule.name;
  return tier;
}
