import { getHeapStatistics } from 'node:v8';
import type { Settings } from './settings.js';

/** The part of V8's heap limit the state caches may take together; the rest is for requests, batches and the collector. */
const stateCachesShareOfHeap = 0.5;
/** The smallest cache a service is given, whatever the heap: below it nearly every command reads its stream. */
const stateCacheMbMin = 8;

export type StateCacheOwner = 'ledger' | 'relay';

export interface FittedStateCaches {
  settings: Settings;
  /** What was made smaller than configured, for the log; null when the caches fit as configured. */
  scaledDown: string | null;
}

/**
 * The settings with the state caches of the services this process runs scaled down together, in
 * proportion, when as configured they would take more than half of V8's heap limit. Each default is
 * sized for a process of its own; the all-in-one `npm start` runs the ledger and the relay in one heap,
 * where both defaults together would leave the collector no room (and, states being large, end in an
 * out-of-memory crash rather than in a slower cache).
 */
export function fitStateCaches(settings: Settings, owners: readonly StateCacheOwner[], heapLimitBytes = getHeapStatistics().heap_size_limit): FittedStateCaches {
  const configured = { ledger: settings.ledgerStateCacheMb, relay: settings.kafka.relayStateCacheMb };
  const wantedMb = owners.reduce((sum, owner) => sum + configured[owner], 0);
  const availableMb = Math.floor((heapLimitBytes * stateCachesShareOfHeap) / 1_000_000);
  if (wantedMb <= availableMb) return { settings, scaledDown: null };
  const scaled = (owner: StateCacheOwner) => (owners.includes(owner) ? Math.max(stateCacheMbMin, Math.floor((configured[owner] * availableMb) / wantedMb)) : configured[owner]);
  const fitted = { ...settings, ledgerStateCacheMb: scaled('ledger'), kafka: { ...settings.kafka, relayStateCacheMb: scaled('relay') } };
  const names = { ledger: 'LEDGER_STATE_CACHE_MB', relay: 'CRM_RELAY_STATE_CACHE_MB' };
  const what = owners.map((owner) => `${names[owner]} ${configured[owner]} -> ${scaled(owner)}`).join(', ');
  return {
    settings: fitted,
    scaledDown: `state caches scaled to fit half of this process's ${Math.round(heapLimitBytes / 1_000_000)} MB heap (${wantedMb} MB configured): ${what}; a larger --max-old-space-size keeps them as configured`,
  };
}
