import { assert } from '../assert.js';
import type { Money } from '../money.js';
import type { StaffRole } from '../staff/roles.js';
import type { GestureRefusalReason } from './refusals.js';
import type { BudgetState, GestureStatus } from './state.js';

/**
 * The first answer to a gesture request, which is what a retried request must get back, plus
 * where the gesture stands now. Undefined when the gesture is unknown or long forgotten.
 */
export type GestureOutcome =
  | { readonly outcome: 'granted'; readonly gestureId: string; readonly cost: Money; readonly points: number | null; readonly periodKey: string; readonly status: GestureStatus['status'] }
  | {
      readonly outcome: 'escalated';
      readonly gestureId: string;
      readonly reservationId: string;
      readonly reserved: Money;
      readonly points: number | null;
      readonly approverRole: StaffRole;
      readonly expiresAt: string;
      readonly periodKey: string;
      readonly status: GestureStatus['status'];
    }
  | { readonly outcome: 'refused'; readonly gestureId: string; readonly reason: GestureRefusalReason; readonly periodKey: string | null };

export function outcomeOf(state: BudgetState, gestureId: string): GestureOutcome | undefined {
  const refusal = state.refusals.get(gestureId);
  if (refusal !== undefined) return { outcome: 'refused', gestureId, reason: refusal.reason, periodKey: refusal.periodKey };
  const record = state.status === 'active' ? state.gestures.get(gestureId) : undefined;
  if (record === undefined) return undefined;
  const { first, periodKey } = record;
  const status = record.current.status;
  if (first.outcome === 'granted') return { outcome: 'granted', gestureId, cost: first.cost, points: first.points, periodKey, status };
  return {
    outcome: 'escalated',
    gestureId,
    reservationId: first.reservationId,
    reserved: first.reserved,
    points: first.points,
    approverRole: first.approverRole,
    expiresAt: first.expiresAt,
    periodKey,
    status,
  };
}

/**
 * The loyalty side of a gesture as its budget stands: bonus points owed to the customer (granted or approved,
 * and so credited even if reversed since), and points to take back after a reversal. Null where none.
 */
export function bonusPointsOf(state: BudgetState, gestureId: string): { credited: number | null; takenBack: number | null } {
  const record = state.status === 'active' ? state.gestures.get(gestureId) : undefined;
  const current = record?.current;
  switch (current?.status) {
    case 'granted':
      return { credited: record!.first.points, takenBack: null };
    case 'approved':
      return { credited: current.approvedPoints, takenBack: null };
    case 'reversed':
      return { credited: current.returnedPoints, takenBack: current.returnedPoints };
    default:
      return { credited: null, takenBack: null };
  }
}

/** An escalation still waiting for its decision: what it holds back and until when. */
export interface PendingEscalation {
  readonly gestureId: string;
  readonly customerId: string;
  readonly reservedMinor: number;
  readonly expiresAtMs: number;
}

/** The escalations still pending, in the order they were escalated, read without walking every remembered gesture. */
export function pendingEscalationsOf(state: BudgetState): PendingEscalation[] {
  if (state.status !== 'active') return [];
  return [...state.openEscalations.keys()].map((gestureId) => {
    const record = state.gestures.get(gestureId);
    assert(record !== undefined && record.current.status === 'pending', `open escalation ${gestureId} is not pending`);
    return { gestureId, customerId: record.customerId, reservedMinor: record.current.reservedMinor, expiresAtMs: record.current.expiresAtMs };
  });
}
