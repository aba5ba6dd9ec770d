import { assert, unreachable } from '../assert.js';
import { limits } from '../limits.js';
import { parseInstant } from '../time/instant.js';
import type {
  BudgetAdjusted,
  BudgetAllocated,
  BudgetEvent,
  EscalationExpired,
  GestureApproved,
  GestureDenied,
  GestureEscalated,
  GestureGranted,
  GestureRefused,
  GestureReversed,
} from './events.js';
import { PersistentMap } from '../persistent-map.js';
import { forget } from './forget.js';
import { adjustAllowance, charge, ledgerFor, openLedger, refund, release, reserve, settle } from './ledger.js';
import { isAnswered } from './rules.js';
import type { ActiveBudget, BudgetState, GestureRecord, GestureStatus, PeriodLedger } from './state.js';

/**
 * Folds one event into the budget. Events are facts already decided, so anything that does not fit
 * the state is a programmer's error and is asserted, never refused.
 */
export function evolveBudget(state: BudgetState, event: BudgetEvent): BudgetState {
  return forget(advanceClock(apply(state, event), recordedAtOf(event)));
}

function apply(state: BudgetState, event: BudgetEvent): BudgetState {
  switch (event.type) {
    case 'BudgetAllocated':
      return allocated(state, event);
    case 'GestureRefused':
      return refused(state, event);
    case 'GestureGranted':
      return granted(active(state, event.type), event);
    case 'GestureEscalated':
      return escalated(active(state, event.type), event);
    case 'GestureApproved':
      return approved(active(state, event.type), event);
    case 'GestureDenied':
    case 'EscalationExpired':
      return released(active(state, event.type), event);
    case 'GestureReversed':
      return reversed(active(state, event.type), event);
    case 'BudgetAdjusted':
      return adjusted(active(state, event.type), event);
    default:
      return unreachable(event, 'budget event');
  }
}

function allocated(state: BudgetState, { data }: BudgetAllocated): BudgetState {
  const assignment = {
    employeeId: data.employeeId,
    role: data.role,
    storeId: data.storeId,
    timeZone: data.timeZone,
    currency: data.currency,
    allowanceOverrideMinor: data.allowanceOverrideMinor,
  };
  if (state.status === 'active') {
    assert(state.employeeId === data.employeeId, `budget of ${state.employeeId} reallocated to ${data.employeeId}`);
    // Periods already open keep their allowance; the new assignment applies to periods opened from now on.
    return { ...state, ...assignment };
  }
  return {
    status: 'active',
    ...assignment,
    refusals: state.refusals,
    lastRecordedAtMs: state.lastRecordedAtMs,
    closedThrough: null,
    periods: PersistentMap.ordered(),
    gestures: PersistentMap.empty(),
    openEscalations: PersistentMap.ordered(),
  };
}

function refused(state: BudgetState, { data }: GestureRefused): BudgetState {
  assert(!isAnswered(state, data.gestureId), `gesture ${data.gestureId} refused after it was already answered`);
  let refusals = state.refusals.set(data.gestureId, { gestureId: data.gestureId, reason: data.reason, periodKey: data.periodKey, recordedAtMs: parseInstant(data.when.recordedAt, 'recordedAt') });
  // Bounded here, oldest first, so that forgetting never has to rebuild the map.
  while (refusals.size > limits.refusalsRememberedMax) refusals = refusals.delete(refusals.first()![0]);
  return { ...state, refusals };
}

function granted(state: ActiveBudget, { data }: GestureGranted): ActiveBudget {
  assert(!isAnswered(state, data.gestureId), `gesture ${data.gestureId} granted twice`);
  const ledger = charge(ledgerFor(state.periods, data.period, data.cost.currency), data.customerId, data.cost.amountMinor);
  return withChanges(state, ledger, {
    gestureId: data.gestureId,
    customerId: data.customerId,
    gestureType: data.gestureType,
    periodKey: data.period.key,
    where: data.where,
    first: { outcome: 'granted', cost: data.cost, points: data.points },
    current: { status: 'granted', chargedMinor: data.cost.amountMinor },
  });
}

function escalated(state: ActiveBudget, { data }: GestureEscalated): ActiveBudget {
  assert(!isAnswered(state, data.gestureId), `gesture ${data.gestureId} escalated twice`);
  const ledger = reserve(ledgerFor(state.periods, data.period, data.reserved.currency), data.customerId, data.reserved.amountMinor);
  return withChanges(state, ledger, {
    gestureId: data.gestureId,
    customerId: data.customerId,
    gestureType: data.gestureType,
    periodKey: data.period.key,
    where: data.where,
    first: {
      outcome: 'escalated',
      reservationId: data.reservationId,
      reserved: data.reserved,
      points: data.points,
      pointValueMinor: data.pointValueMinor,
      approverRole: data.approverRole,
      expiresAt: data.expiresAt,
      policyVersion: data.policyVersion,
    },
    current: { status: 'pending', reservedMinor: data.reserved.amountMinor, expiresAtMs: parseInstant(data.expiresAt, 'expiresAt') },
  });
}

function approved(state: ActiveBudget, { data }: GestureApproved): ActiveBudget {
  const { record, reservedMinor } = pending(state, data.gestureId);
  assert(data.approved.amountMinor + data.released.amountMinor === reservedMinor, `gesture ${data.gestureId}: approved + released must equal the ${reservedMinor} reserved`);
  const ledger = settledAt(settle(ledgerOf(state, record), record.customerId, reservedMinor, data.approved.amountMinor), data.when.recordedAt);
  const current: GestureStatus = { status: 'approved', chargedMinor: data.approved.amountMinor, approvedPoints: data.approvedPoints, approverId: data.approverId };
  return withChanges(state, ledger, { ...record, current });
}

function released(state: ActiveBudget, event: GestureDenied | EscalationExpired): ActiveBudget {
  const { data } = event;
  const { record, reservedMinor } = pending(state, data.gestureId);
  assert(data.released.amountMinor === reservedMinor, `gesture ${data.gestureId}: must release all ${reservedMinor} reserved`);
  const ledger = settledAt(release(ledgerOf(state, record), record.customerId, reservedMinor), data.when.recordedAt);
  const current: GestureStatus = event.type === 'GestureDenied' ? { status: 'denied', approverId: event.data.approverId } : { status: 'expired' };
  return withChanges(state, ledger, { ...record, current });
}

function reversed(state: ActiveBudget, { data }: GestureReversed): ActiveBudget {
  const record = state.gestures.get(data.gestureId);
  assert(record !== undefined, `gesture ${data.gestureId} reversed but unknown`);
  const { current } = record;
  assert(current.status === 'granted' || current.status === 'approved', `gesture ${data.gestureId} reversed while ${current.status}`);
  assert(current.chargedMinor === data.returned.amountMinor, `gesture ${data.gestureId}: must return the ${current.chargedMinor} charged`);
  const ledger = refund(ledgerOf(state, record), record.customerId, current.chargedMinor);
  const approval = current.status === 'approved' ? { approverId: current.approverId, chargedMinor: current.chargedMinor } : null;
  return withChanges(state, ledger, { ...record, current: { status: 'reversed', returnedMinor: current.chargedMinor, reversedBy: data.reversedBy, returnedPoints: data.returnedPoints, approval } });
}

function adjusted(state: ActiveBudget, { data }: BudgetAdjusted): ActiveBudget {
  assert(data.allowanceAfterMinor - data.allowanceBeforeMinor === data.deltaMinor, `adjustment ${data.adjustmentId} does not add up`);
  const ledger = state.periods.get(data.period.key) ?? openLedger(data.period, data.currency, data.allowanceBeforeMinor);
  return { ...state, periods: state.periods.set(data.period.key, adjustAllowance(ledger, data.adjustmentId, data.allowanceBeforeMinor, data.allowanceAfterMinor)) };
}

function active(state: BudgetState, eventType: BudgetEvent['type']): ActiveBudget {
  assert(state.status === 'active', `${eventType} on a budget that was never allocated`);
  return state;
}

function pending(state: ActiveBudget, gestureId: string): { record: GestureRecord; reservedMinor: number } {
  const record = state.gestures.get(gestureId);
  assert(record !== undefined && record.current.status === 'pending', `gesture ${gestureId} is not pending`);
  return { record, reservedMinor: record.current.reservedMinor };
}

function settledAt(ledger: PeriodLedger, recordedAt: string): PeriodLedger {
  return { ...ledger, lastSettledAtMs: parseInstant(recordedAt, 'recordedAt') };
}

function ledgerOf(state: ActiveBudget, record: GestureRecord): PeriodLedger {
  const ledger = state.periods.get(record.periodKey);
  assert(ledger !== undefined, `gesture ${record.gestureId}: period ${record.periodKey} is gone`);
  return ledger;
}

/** One new state per event: the period's ledger, the gesture's record, and the escalations still open. */
function withChanges(state: ActiveBudget, ledger: PeriodLedger, record: GestureRecord): ActiveBudget {
  const { gestureId, current } = record;
  const open = state.openEscalations;
  const openEscalations = current.status === 'pending' ? open.set(gestureId, current.expiresAtMs) : open.delete(gestureId);
  return activeBudget(state, state.periods.set(ledger.period.key, ledger), state.gestures.set(gestureId, record), openEscalations, state.lastRecordedAtMs);
}

/**
 * An active budget with new parts, written out rather than spread (`{ ...state, ... }`): every event of every
 * fold makes one or two, and a spread into a new object costs several times a literal.
 */
function activeBudget(state: ActiveBudget, periods: ActiveBudget['periods'], gestures: ActiveBudget['gestures'], openEscalations: ActiveBudget['openEscalations'], lastRecordedAtMs: number | null): ActiveBudget {
  return {
    status: 'active',
    employeeId: state.employeeId,
    role: state.role,
    storeId: state.storeId,
    timeZone: state.timeZone,
    currency: state.currency,
    allowanceOverrideMinor: state.allowanceOverrideMinor,
    refusals: state.refusals,
    lastRecordedAtMs,
    closedThrough: state.closedThrough,
    periods,
    gestures,
    openEscalations,
  };
}

function advanceClock(state: BudgetState, recordedAt: string): BudgetState {
  const ms = parseInstant(recordedAt, 'recordedAt');
  if (state.lastRecordedAtMs !== null && state.lastRecordedAtMs >= ms) return state;
  return state.status === 'active' ? activeBudget(state, state.periods, state.gestures, state.openEscalations, ms) : { ...state, lastRecordedAtMs: ms };
}

function recordedAtOf(event: BudgetEvent): string {
  return event.type === 'BudgetAllocated' || event.type === 'BudgetAdjusted' ? event.data.recordedAt : event.data.when.recordedAt;
}
