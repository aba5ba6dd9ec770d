import type { Policy } from '../policy/policy.js';
import { localMonthAt } from '../time/calendar.js';

/**
 * A policy may name thousands of stores but they share a few dozen zones, and the expiry run asks
 * for every customer; a published policy is never changed in place, so its zones can be kept.
 */
const zonesOfPolicy = new WeakMap<Policy['stores'], readonly string[]>();

function zonesOf(stores: Policy['stores']): readonly string[] {
  let zones = zonesOfPolicy.get(stores);
  if (zones === undefined) {
    zones = [...new Set(Object.values(stores).map((store) => store.timeZone))];
    zonesOfPolicy.set(stores, zones);
  }
  return zones;
}

/**
 * The month the expiry run judges by: the earliest local month over the policy's stores at `epochMs`.
 * Customers have no home store, so until the last store's month turns a purchase there would still be
 * judged by the old month, and no lot may expire (nor tier drop) before that.
 */
export function monthEveryStoreHasReached(policy: Policy, epochMs: number): string {
  const months = zonesOf(policy.stores).map((zone) => localMonthAt(epochMs, zone));
  if (months.length === 0) return localMonthAt(epochMs, 'UTC');
  return months.reduce((earliest, month) => (month < earliest ? month : earliest));
}
