import { assert } from '../assert.js';
import { assertWho, assertWhy } from '../context.js';
import { isRefusal, refuse, type Decision, type Refusal } from '../decision.js';
import { assertId } from '../ids.js';
import { money } from '../money.js';
import { mayApprove, staffRoles } from '../staff/roles.js';
import { parseInstant } from '../time/instant.js';
import type { Approver, ApproveGesture, DenyGesture, ExpireEscalation } from './commands.js';
import type { BudgetEvent } from './events.js';
import { laterFacts } from './gesture-facts.js';
import type { BudgetRefusalReason } from './refusals.js';
import { decisionClockMs } from './rules.js';
import type { ActiveBudget, BudgetState, FirstOutcome, GestureRecord } from './state.js';

type EscalationDecision = Decision<BudgetEvent, BudgetRefusalReason>;
type Escalated = Extract<FirstOutcome, { outcome: 'escalated' }>;
type Pending = { readonly record: GestureRecord; readonly first: Escalated; readonly reservedMinor: number; readonly expiresAtMs: number };

/** Posts the approved part of the reservation (reserved → spent) and releases the rest. */
export function approveGesture({ data }: ApproveGesture, state: BudgetState): EscalationDecision {
  assertDecisionInput(data.gestureId, data.approver, data.recordedAt);
  assertWhy(data.why);
  assert(data.approvedAmountMinor === null || Number.isSafeInteger(data.approvedAmountMinor), 'approvedAmountMinor must be a safe integer or null');
  if (state.status !== 'active') return refuse('no_budget');
  const record = state.gestures.get(data.gestureId);
  if (record === undefined) return refuse('unknown_gesture');
  const { current, first: asked } = record;
  const inFull = asked.outcome === 'escalated' ? asked.reserved.amountMinor : null;
  // A retried approval gets its first answer, also once the approved gesture has been reversed since.
  const approval = current.status === 'approved' ? current : current.status === 'reversed' ? current.approval : null;
  if (approval !== null && approval.approverId === data.approver.employeeId && approval.chargedMinor === (data.approvedAmountMinor ?? inFull)) return [];

  const found = whenDecidable(state, record, data.approver, data.recordedAt);
  if (!('record' in found)) return found;
  const { first, reservedMinor } = found;
  const approvedMinor = data.approvedAmountMinor ?? reservedMinor;
  if (approvedMinor < 1 || approvedMinor > reservedMinor) {
    return refuse('approved_amount_invalid', [`approve 1..${reservedMinor}, or deny`]);
  }
  const approvedPoints = pointsFor(first, approvedMinor);
  if (approvedPoints === 'fractional') return refuse('approved_amount_invalid', [`must be a whole number of points at ${first.pointValueMinor} per point`]);

  const currency = first.reserved.currency;
  return [
    {
      type: 'GestureApproved',
      schemaVersion: 1,
      data: {
        ...laterFacts(state, record, { employeeId: data.approver.employeeId, actorId: data.approver.actorId }, data.why, data.recordedAt, first.policyVersion),
        reservationId: first.reservationId,
        periodKey: record.periodKey,
        approved: money(approvedMinor, currency),
        released: money(reservedMinor - approvedMinor, currency),
        approvedPoints,
        approverId: data.approver.employeeId,
        approverRole: data.approver.role,
      },
    },
  ];
}

/** Releases the whole reservation. */
export function denyGesture({ data }: DenyGesture, state: BudgetState): EscalationDecision {
  assertDecisionInput(data.gestureId, data.approver, data.recordedAt);
  assertWhy(data.why);
  if (state.status !== 'active') return refuse('no_budget');
  const record = state.gestures.get(data.gestureId);
  if (record === undefined) return refuse('unknown_gesture');
  if (record.current.status === 'denied' && record.current.approverId === data.approver.employeeId) return [];

  const found = whenDecidable(state, record, data.approver, data.recordedAt);
  if (!('record' in found)) return found;
  return [
    {
      type: 'GestureDenied',
      schemaVersion: 1,
      data: {
        ...laterFacts(state, record, { employeeId: data.approver.employeeId, actorId: data.approver.actorId }, data.why, data.recordedAt, found.first.policyVersion),
        reservationId: found.first.reservationId,
        periodKey: record.periodKey,
        released: money(found.reservedMinor, found.first.reserved.currency),
        approverId: data.approver.employeeId,
        approverRole: data.approver.role,
      },
    },
  ];
}

/** Who records an escalation's expiry: the ledger's own timer, be it the scheduler or a request that found it overdue. */
export const escalationTimerActorId = 'escalation-expiry';

/**
 * The expiries of the escalations already past their expiry at `recordedAt`. No approval is accepted after
 * it, so until the expiry is recorded the reservation holds back headroom nobody can use.
 */
export function overdueExpiries(state: BudgetState, recordedAt: string): BudgetEvent[] {
  if (state.status !== 'active') return [];
  const nowMs = parseInstant(recordedAt, 'recordedAt');
  // Asked on every gesture request: the open escalations carry their expiry, so only the overdue are looked up.
  return [...state.openEscalations]
    .filter(([, expiresAtMs]) => expiresAtMs < nowMs)
    .flatMap(([gestureId]) => {
      const decision = expireEscalation({ type: 'ExpireEscalation', data: { gestureId, actorId: escalationTimerActorId, recordedAt } }, state);
      assert(!isRefusal(decision), `overdue escalation ${gestureId} could not expire`);
      return decision as BudgetEvent[];
    });
}

/** Releases the whole reservation of an escalation nobody answered in time. */
export function expireEscalation({ data }: ExpireEscalation, state: BudgetState): EscalationDecision {
  assertId(data.gestureId, 'gestureId');
  assertId(data.actorId, 'actorId');
  const nowMs = parseInstant(data.recordedAt, 'recordedAt');
  if (state.status !== 'active') return refuse('no_budget');
  const record = state.gestures.get(data.gestureId);
  if (record === undefined) return refuse('unknown_gesture');
  if (record.current.status === 'expired') return [];
  const found = pendingOf(record);
  if (found === null) return refuse('not_pending');
  if (nowMs <= found.expiresAtMs) return refuse('not_yet_expired', [`expires at ${found.first.expiresAt}`]);
  return [
    {
      type: 'EscalationExpired',
      schemaVersion: 1,
      data: {
        ...laterFacts(state, record, { employeeId: null, actorId: data.actorId }, { reasonCode: 'escalation_ttl_elapsed', note: null }, data.recordedAt, found.first.policyVersion),
        reservationId: found.first.reservationId,
        periodKey: record.periodKey,
        released: money(found.reservedMinor, found.first.reserved.currency),
        expiresAt: found.first.expiresAt,
      },
    },
  ];
}

/** The checks shared by approval and denial, in order: still pending, not one's own, senior enough, in time. */
function whenDecidable(state: ActiveBudget, record: GestureRecord, approver: Approver, recordedAt: string): Pending | Refusal<BudgetRefusalReason> {
  const found = pendingOf(record);
  if (found === null) return refuse('not_pending', [`gesture is ${record.current.status}`]);
  if (approver.employeeId === state.employeeId) return refuse('self_approval_forbidden');
  if (!mayApprove(approver.role, found.first.approverRole)) return refuse('approver_role_insufficient', [`needs ${found.first.approverRole} or above`]);
  // On the budget's clock, not the approver's server's alone: once the budget has recorded a time past the
  // expiry, a lagging server must not post an approval after it.
  if (decisionClockMs(state, recordedAt) > found.expiresAtMs) return refuse('escalation_expired', [`expired at ${found.first.expiresAt}`]);
  return found;
}

function pendingOf(record: GestureRecord): Pending | null {
  const { current, first } = record;
  if (current.status !== 'pending') return null;
  assert(first.outcome === 'escalated', `gesture ${record.gestureId} is pending but was never escalated`);
  return { record, first, reservedMinor: current.reservedMinor, expiresAtMs: current.expiresAtMs };
}

/** A partial approval of a bonus-points gesture must still buy a whole number of points. */
function pointsFor(first: Escalated, approvedMinor: number): number | null | 'fractional' {
  if (first.pointValueMinor === null) return null;
  return approvedMinor % first.pointValueMinor === 0 ? approvedMinor / first.pointValueMinor : 'fractional';
}

function assertDecisionInput(gestureId: string, approver: Approver, recordedAt: string): void {
  assertId(gestureId, 'gestureId');
  assertWho(approver, 'approver');
  assert((staffRoles as readonly string[]).includes(approver.role), `unknown approver role ${approver.role}`);
  parseInstant(recordedAt, 'recordedAt');
}
