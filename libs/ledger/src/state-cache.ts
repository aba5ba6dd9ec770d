import type { NO_STREAM } from '#event-store';
import { LruCache } from './lru-cache.js';

/**
 * What one unit of a state's weight (`StreamModel.weigh`) takes on the heap, with a margin. Measured with
 * `node --expose-gc`, heap used before and after folding 1,000 states: budgets of 10 and 40 gestures took
 * 158 and 160 bytes per unit, loyalty accounts of 10 and 60 purchases 134 and 122; in the CRM relay,
 * 2,000 budgets of 49 gestures each (408,000 units) held 78 MB, 191 bytes per unit.
 */
export const bytesPerWeightUnit = 200;
/** Heap for the states a ledger keeps between commands, unless configured (`LEDGER_STATE_CACHE_MB`). */
export const stateCacheMbDefault = 64;

/** No folded state takes less than this; it bounds the number of states as the weight bounds their size. */
const bytesPerStateMin = 1_000;

export interface StateCacheLimits {
  /** Stream states kept at most; a miss costs one read of that stream. */
  cachedStreamsMax: number;
  /** Total weight of the states kept. */
  cachedWeightMax: number;
}

/** The bounds that keep folded states within `megabytes` of heap. */
export function stateCacheLimits(megabytes: number): StateCacheLimits {
  if (!Number.isInteger(megabytes) || megabytes < 1) throw new Error(`stateCacheLimits: megabytes must be a positive integer, got ${megabytes}`);
  const bytes = megabytes * 1_000_000;
  return { cachedStreamsMax: Math.floor(bytes / bytesPerStateMin), cachedWeightMax: Math.floor(bytes / bytesPerWeightUnit) };
}

/** A stream's folded state as kept between commands, with the weight its model gave it. */
export interface CachedState<State = unknown> {
  readonly state: State;
  readonly revision: bigint | typeof NO_STREAM;
  readonly weight: number;
}

/**
 * States of several streams and models under one bound: the ledger's budgets and loyalty accounts share
 * one, so whichever the traffic touches gets the memory, and together they never take more than it.
 */
export type StateCache = LruCache<string, CachedState>;

export function stateCache(limits: StateCacheLimits): StateCache {
  return new LruCache<string, CachedState>(limits.cachedStreamsMax, limits.cachedWeightMax, (cached) => cached.weight);
}
