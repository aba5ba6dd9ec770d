import { assert } from '../assert.js';
import { assertWhere, assertWho, assertWhy } from '../context.js';
import { assertId } from '../ids.js';
import { limits } from '../limits.js';
import { assertMoney, money, multiplyMinor, type Money } from '../money.js';
import { isGestureType, type GestureTypeRule } from '../policy/catalogue.js';
import { storeOf, type Policy } from '../policy/policy.js';
import { staffRoles, type StaffRole } from '../staff/roles.js';
import { addMinutes, formatInstant, parseInstant } from '../time/instant.js';
import type { RequestGesture } from './commands.js';
import type { BudgetEvent, GestureFacts } from './events.js';
import { committedForCustomerMinor, headroomMinor } from './ledger.js';
import type { GestureRefusalReason } from './refusals.js';
import { decisionClockMs, isAnswered, isClosedToUploads, ledgerAt } from './rules.js';
import type { BudgetState } from './state.js';

type Route = { readonly kind: 'grant' } | { readonly kind: 'escalate'; readonly approverRole: StaffRole } | { readonly kind: 'refuse' };

/**
 * Answers a gesture request with exactly one event: granted, escalated (amount reserved) or refused.
 * Refusals are events too, so a retried request gets the same answer and auditors see every attempt.
 * The checks run in a fixed order, cheapest and most fundamental first; the first failure is the reason.
 */
export function requestGesture(command: RequestGesture, state: BudgetState, policy: Policy): readonly BudgetEvent[] {
  const request = command.data;
  assertRequest(command);
  if (isAnswered(state, request.gestureId)) return [];

  // Literals rather than spreads below: spreading the facts into each event was a tenth of a decision's own time.
  const { gestureId, employeeId, customerId, gestureType, who, where, why, when, policyVersion } = factsOf(command, policy);
  const requested = request.value.kind === 'money' ? { amount: request.value.amount, points: null } : { amount: null, points: request.value.points };
  const refused = (reason: GestureRefusalReason, periodKey: string | null = null): readonly BudgetEvent[] => [
    { type: 'GestureRefused', schemaVersion: 1, data: { gestureId, employeeId, customerId, gestureType, who, where, why, when, policyVersion, reason, requested, periodKey } },
  ];

  if (state.status !== 'active') return refused('no_budget');
  assert(state.employeeId === request.who.employeeId, `request for ${request.who.employeeId} sent to the budget of ${state.employeeId}`);
  const screened = screen(command, policy.catalogue[request.gestureType], policy);
  if (screened !== null) return refused(screened);

  const cost = costOf(command, policy);
  const nowMs = decisionClockMs(state, request.recordedAt);
  const occurredMs = parseInstant(request.occurredAt, 'occurredAt');
  if (occurredMs > addMinutes(nowMs, limits.clockSkewToleranceMinutes)) return refused('occurred_in_future');
  if (!request.sentByTill && occurredMs < addMinutes(parseInstant(request.receivedAt, 'receivedAt'), -limits.liveRequestAgeMinutesMax)) return refused('occurred_too_long_ago');

  const roleRule = policy.roles[state.role];
  const ledger = ledgerAt(state, policy, occurredMs);
  const { period } = ledger;
  if (isClosedToUploads(state, policy, period.endsOn, nowMs)) return refused('period_closed', period.key);
  if (ledger.currency !== cost.currency) return refused('currency_mismatch', period.key);

  const route = routeOf(cost.amountMinor, state.role, policy);
  if (route.kind === 'refuse') return refused('over_gesture_cap', period.key);
  if (route.kind === 'escalate' && state.openEscalations.size >= limits.openEscalationsPerEmployeeMax) return refused('too_many_open_escalations', period.key);
  if (ledger.gestureCount >= limits.gesturesPerPeriodMax) return refused('period_gesture_limit_reached', period.key);
  if (committedForCustomerMinor(ledger, request.customerId) + cost.amountMinor > roleRule.capPerCustomerPerPeriodMinor) return refused('customer_cap_exceeded', period.key);
  if (cost.amountMinor > headroomMinor(ledger)) return refused('allowance_exhausted', period.key);

  const charged = { kind: period.kind, key: period.key, endsOn: period.endsOn, allowanceMinor: ledger.allowanceMinor };
  const points = request.value.kind === 'points' ? request.value.points : null;
  if (route.kind === 'grant') {
    return [{ type: 'GestureGranted', schemaVersion: 1, data: { gestureId, employeeId, customerId, gestureType, who, where, why, when, policyVersion, cost, points, period: charged } }];
  }
  return [
    {
      type: 'GestureEscalated',
      schemaVersion: 1,
      data: {
        gestureId,
        employeeId,
        customerId,
        gestureType,
        who,
        where,
        why,
        when,
        policyVersion,
        reservationId: request.reservationId,
        reserved: cost,
        points,
        pointValueMinor: points === null ? null : policy.pointValueMinor,
        period: charged,
        approverRole: route.approverRole,
        expiresAt: formatInstant(addMinutes(parseInstant(request.recordedAt, 'recordedAt'), roleRule.escalationTtlMinutes)),
      },
    },
  ];
}

/** Rules of the gesture type and the request's shape, before any money is looked at. */
function screen({ data }: RequestGesture, rule: GestureTypeRule, policy: Policy): GestureRefusalReason | null {
  if (rule.regulated) return 'regulated_category';
  if (!rule.allowedChannels.includes(data.where.channel)) return 'channel_not_allowed';
  if (data.why.reasonCode === null && rule.reasonCodeRequired) return 'reason_code_required';
  if (data.why.reasonCode !== null && !rule.allowedReasonCodes.includes(data.why.reasonCode)) return 'reason_code_not_allowed';
  if ((data.why.note === null || data.why.note.trim() === '') && rule.noteRequired) return 'note_required';
  if (storeOf(policy, data.where.storeId) === undefined) return 'unknown_store';
  if (data.value.kind !== rule.costKind) return 'cost_kind_mismatch';
  if (data.value.kind === 'money' && data.value.amount.currency !== policy.currency) return 'currency_mismatch';
  return null;
}

/** Points are charged to the budget at the policy's point value, so one allowance covers both kinds. */
function costOf({ data }: RequestGesture, policy: Policy): Money {
  return data.value.kind === 'money' ? data.value.amount : money(multiplyMinor(data.value.points, policy.pointValueMinor), policy.currency);
}

/**
 * Up to the auto-approval limit the employee decides alone. Above it, the employee's approver
 * decides; above the employee's own cap, the first role up the chain whose cap covers the amount
 * decides. An amount beyond every cap in the chain cannot be granted by anyone.
 */
function routeOf(amountMinor: number, role: StaffRole, policy: Policy): Route {
  const rule = policy.roles[role];
  if (amountMinor <= rule.autoApproveUpToMinor) return { kind: 'grant' };
  if (amountMinor <= rule.capPerGestureMinor) {
    assert(rule.approverRole !== null, `policy ${policy.version}: ${role} has no approver but auto-approves less than its cap`);
    return { kind: 'escalate', approverRole: rule.approverRole };
  }
  let candidate = rule.approverRole;
  for (let hops = 0; candidate !== null && hops < staffRoles.length; hops += 1) {
    if (amountMinor <= policy.roles[candidate].capPerGestureMinor) return { kind: 'escalate', approverRole: candidate };
    candidate = policy.roles[candidate].approverRole;
  }
  return { kind: 'refuse' };
}

function factsOf({ data }: RequestGesture, policy: Policy): GestureFacts {
  return {
    gestureId: data.gestureId,
    employeeId: data.who.employeeId as string,
    customerId: data.customerId,
    gestureType: data.gestureType,
    who: data.who,
    where: data.where,
    why: data.why,
    when: { occurredAt: data.occurredAt, recordedAt: data.recordedAt },
    policyVersion: policy.version,
  };
}

/** The shell validates its DTOs with the same bounds; reaching here with bad input is a bug. */
function assertRequest({ data }: RequestGesture): void {
  assertId(data.gestureId, 'gestureId');
  assertId(data.reservationId, 'reservationId');
  assertId(data.customerId, 'customerId');
  assert(isGestureType(data.gestureType), `unknown gesture type ${data.gestureType}`);
  assertWho(data.who, 'who');
  assert(data.who.employeeId !== null, 'a gesture is always made by an employee');
  assertWhere(data.where);
  assertWhy(data.why);
  parseInstant(data.occurredAt, 'occurredAt');
  parseInstant(data.recordedAt, 'recordedAt');
  assert(typeof data.sentByTill === 'boolean', 'sentByTill must say who sent the request');
  parseInstant(data.receivedAt, 'receivedAt');
  if (data.value.kind === 'money') {
    assertMoney(data.value.amount, 'value.amount');
    assert(data.value.amount.amountMinor >= 1, 'a gesture is worth at least one minor unit');
  } else {
    assert(data.value.kind === 'points', `unknown gesture value kind`);
    assert(Number.isSafeInteger(data.value.points) && data.value.points >= 1 && data.value.points <= limits.pointsPerCommandMax, `points must be 1..${limits.pointsPerCommandMax}`);
  }
}

