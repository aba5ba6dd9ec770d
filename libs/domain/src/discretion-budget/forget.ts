import { limits } from '../limits.js';
import { msPerDay } from '../time/instant.js';
import { closedThrough } from '../time/periods.js';
import type { BudgetState, RememberedRefusal } from './state.js';

/**
 * The API caches states for every employee, so each state forgets what can no longer matter:
 * periods closed to late uploads (with their gestures) once nothing is reserved in them, and
 * refusals older than the upload window or beyond the count limit.
 */
export function forget(state: BudgetState): BudgetState {
  if (state.lastRecordedAtMs === null) return state;
  const refusals = recentRefusals(state.refusals, state.lastRecordedAtMs);
  if (state.status === 'unallocated') return refusals === state.refusals ? state : { ...state, refusals };

  const cutoff = closedThrough(state.lastRecordedAtMs, state.timeZone);
  const closed = [...state.periods.values()].filter((ledger) => ledger.reservedMinor === 0 && ledger.period.endsOn <= cutoff);
  if (closed.length === 0) return refusals === state.refusals ? state : { ...state, refusals };

  const periods = new Map(state.periods);
  const gestures = new Map(state.gestures);
  for (const ledger of closed) {
    periods.delete(ledger.period.key);
    for (const gestureId of ledger.gestureIds) gestures.delete(gestureId);
  }
  return { ...state, periods, gestures, refusals };
}

function recentRefusals(refusals: ReadonlyMap<string, RememberedRefusal>, nowMs: number): ReadonlyMap<string, RememberedRefusal> {
  const oldestKeptMs = nowMs - (limits.lateUploadWindowDays + 1) * msPerDay;
  const isFresh = (refusal: RememberedRefusal): boolean => refusal.recordedAtMs >= oldestKeptMs;
  // Refusals are inserted as the stream's clock moves forward, so the first one is the oldest:
  // checking it alone keeps this O(1) on every event instead of a walk over up to 500 entries.
  const oldest = refusals.values().next();
  if (refusals.size <= limits.refusalsRememberedMax && (oldest.done === true || isFresh(oldest.value))) return refusals;
  const kept = [...refusals.entries()].filter(([, refusal]) => isFresh(refusal));
  return new Map(kept.slice(Math.max(0, kept.length - limits.refusalsRememberedMax)));
}
