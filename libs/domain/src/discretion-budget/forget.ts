import { limits } from '../limits.js';
import { msPerDay } from '../time/instant.js';
import type { PeriodLedger } from './state.js';
import { PersistentMap } from '../persistent-map.js';
import { closedThrough } from '../time/periods.js';
import type { BudgetState, RememberedRefusal } from './state.js';

/** How long a closed period is kept after a decision settled a reservation in it (see `lastSettledAtMs`). */
const keptAfterSettlementMs = msPerDay;

/**
 * The API caches states for every employee, so each state forgets what can no longer matter:
 * periods closed to late uploads (with their gestures) once nothing is reserved in them and no decision
 * settled one there in the last day, and refusals older than the upload window or beyond the count limit.
 */
export function forget(state: BudgetState): BudgetState {
  if (state.lastRecordedAtMs === null) return state;
  const refusals = recentRefusals(state.refusals, state.lastRecordedAtMs);
  if (state.status === 'unallocated') return refusals === state.refusals ? state : { ...state, refusals };

  const nowMs = state.lastRecordedAtMs;
  const closedNow = closedThrough(nowMs, state.timeZone);
  // Never backwards: after a move to a zone whose day is behind, what was closed stays closed.
  const cutoff = state.closedThrough !== null && state.closedThrough > closedNow ? state.closedThrough : closedNow;
  const forgettable = (ledger: PeriodLedger) =>
    ledger.reservedMinor === 0 && ledger.period.endsOn <= cutoff && (ledger.lastSettledAtMs === null || ledger.lastSettledAtMs + keptAfterSettlementMs <= nowMs);
  // Looked at after every event, and almost always nothing is: no list is built for that answer.
  let anyClosed = false;
  for (const ledger of state.periods.values()) if ((anyClosed = forgettable(ledger))) break;
  if (!anyClosed) return refusals === state.refusals && cutoff === state.closedThrough ? state : { ...state, refusals, closedThrough: cutoff };

  // Rare (once per period), so one walk over the gestures is cheaper than keeping each period's list.
  const closedKeys = new Set([...state.periods.values()].filter(forgettable).map((ledger) => ledger.period.key));
  let periods = state.periods;
  for (const key of closedKeys) periods = periods.delete(key);
  let gestures = state.gestures;
  for (const record of state.gestures.values()) if (closedKeys.has(record.periodKey)) gestures = gestures.delete(record.gestureId);
  return { ...state, periods, gestures, refusals, closedThrough: cutoff };
}

function recentRefusals(refusals: PersistentMap<RememberedRefusal>, nowMs: number): PersistentMap<RememberedRefusal> {
  const oldestKeptMs = nowMs - (limits.lateUploadWindowDays + 1) * msPerDay;
  const isFresh = (refusal: RememberedRefusal): boolean => refusal.recordedAtMs >= oldestKeptMs;
  // Refusals are inserted as the stream's clock moves forward, so the first one is the oldest:
  // checking it alone keeps this O(1) on every event instead of a walk over up to 500 entries.
  const oldest = refusals.first();
  if (refusals.size <= limits.refusalsRememberedMax && (oldest === undefined || isFresh(oldest[1]))) return refusals;
  const kept = [...refusals.entries()].filter(([, refusal]) => isFresh(refusal));
  return PersistentMap.from(kept.slice(Math.max(0, kept.length - limits.refusalsRememberedMax)), true);
}
