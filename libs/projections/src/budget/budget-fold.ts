import type { PolicyPublished } from '#domain';
import type { RecordedEvent } from '#event-store';
import { asLedgerEvent } from '../domain-events.js';
import { pairKey } from '../json-rows.js';

export interface EmployeeRow {
  employee_id: string;
  role: string;
  store_id: string;
  time_zone: string;
  currency: string;
  allowance_override_minor: number | null;
  enrolled_at: string;
  policy_version: number;
}

/** What one batch changes in one period: sums to add, and the latest facts it learned (null: unchanged). */
export interface PeriodDelta {
  employee_id: string;
  period_key: string;
  kind: string | null;
  ends_on: string | null;
  currency: string | null;
  allowance_minor: number | null;
  spent_minor: number;
  reserved_minor: number;
  pending_escalations: number;
  /** The log position of the last event that touched the period in the batch: which period was touched last. */
  log_commit: string;
  log_prepare: string;
}

/** The period kind a policy version gives a role: the domain counts a budget in periods of its role's kind under the current policy. */
/** A role's rule under one policy version: what a period it has not touched yet opens with. */
export interface RolePeriodRow {
  policy_version: number;
  role: string;
  period_kind: string;
  allowance_minor: number;
  currency: string;
}

export interface GestureTypeDelta {
  employee_id: string;
  period_key: string;
  gesture_type: string;
  given_count: number;
  given_minor: number;
  escalated_count: number;
  refused_count: number;
  reversed_count: number;
}

export interface EscalationRow {
  gesture_id: string;
  reservation_id: string;
  employee_id: string;
  customer_id: string;
  gesture_type: string;
  store_id: string;
  channel: string;
  period_key: string;
  reserved_minor: number;
  currency: string;
  points: number | null;
  approver_role: string;
  reason_code: string | null;
  note: string | null;
  escalated_at: string;
  expires_at: string;
}

export interface BudgetDeltas {
  employees: Map<string, EmployeeRow>;
  periods: Map<string, PeriodDelta>;
  gestureTypes: Map<string, GestureTypeDelta>;
  /** Escalations opened in the batch and still pending at its end. */
  opened: Map<string, EscalationRow>;
  /** Escalations decided or expired in the batch (opened earlier, or in it). */
  closed: Set<string>;
  rolePeriods: Map<string, RolePeriodRow>;
}

export function emptyBudgetDeltas(): BudgetDeltas {
  return { employees: new Map(), periods: new Map(), gestureTypes: new Map(), opened: new Map(), closed: new Set(), rolePeriods: new Map() };
}

/**
 * Folds a batch of events into per-key deltas in memory; the batch's statements then write them set-based.
 * Folding into `deltas` what an earlier call returned is folding both batches as one (a rebuild's reads).
 */
export function foldBudgetEvents(events: readonly RecordedEvent[], deltas: BudgetDeltas = emptyBudgetDeltas()): BudgetDeltas {
  for (const recorded of events) {
    if (recorded.type === 'PolicyPublished') {
      const policy = recorded.data as unknown as PolicyPublished['data'];
      for (const [role, rule] of Object.entries(policy.roles)) {
        deltas.rolePeriods.set(`${policy.version}/${role}`, { policy_version: policy.version, role, period_kind: rule.period, allowance_minor: rule.allowanceMinor, currency: policy.currency });
      }
      continue;
    }
    const event = asLedgerEvent(recorded);
    const period = (employeeId: string, periodKey: string) => touchedPeriod(deltas, employeeId, periodKey, recorded);
    switch (event.type) {
      case 'BudgetAllocated': {
        const d = event.data;
        const previous = deltas.employees.get(d.employeeId);
        deltas.employees.set(d.employeeId, {
          employee_id: d.employeeId,
          role: d.role,
          store_id: d.storeId,
          time_zone: d.timeZone,
          currency: d.currency,
          allowance_override_minor: d.allowanceOverrideMinor,
          enrolled_at: previous?.enrolled_at ?? d.recordedAt,
          policy_version: d.policyVersion,
        });
        break;
      }
      case 'GestureGranted': {
        const d = event.data;
        const p = period(d.employeeId, d.period.key);
        opened(p, d.period, d.cost.currency, d.period.allowanceMinor);
        p.spent_minor += d.cost.amountMinor;
        const t = gestureType(deltas, d.employeeId, d.period.key, d.gestureType);
        t.given_count++;
        t.given_minor += d.cost.amountMinor;
        break;
      }
      case 'GestureEscalated': {
        const d = event.data;
        const p = period(d.employeeId, d.period.key);
        opened(p, d.period, d.reserved.currency, d.period.allowanceMinor);
        p.reserved_minor += d.reserved.amountMinor;
        p.pending_escalations++;
        gestureType(deltas, d.employeeId, d.period.key, d.gestureType).escalated_count++;
        deltas.opened.set(d.gestureId, {
          gesture_id: d.gestureId,
          reservation_id: d.reservationId,
          employee_id: d.employeeId,
          customer_id: d.customerId,
          gesture_type: d.gestureType,
          store_id: d.where.storeId,
          channel: d.where.channel,
          period_key: d.period.key,
          reserved_minor: d.reserved.amountMinor,
          currency: d.reserved.currency,
          points: d.points,
          approver_role: d.approverRole,
          reason_code: d.why.reasonCode,
          note: d.why.note,
          escalated_at: d.when.recordedAt,
          expires_at: d.expiresAt,
        });
        break;
      }
      case 'GestureApproved': {
        const d = event.data;
        const p = period(d.employeeId, d.periodKey);
        p.reserved_minor -= d.approved.amountMinor + d.released.amountMinor;
        p.spent_minor += d.approved.amountMinor;
        p.pending_escalations--;
        const t = gestureType(deltas, d.employeeId, d.periodKey, d.gestureType);
        t.given_count++;
        t.given_minor += d.approved.amountMinor;
        close(deltas, d.gestureId);
        break;
      }
      case 'GestureDenied':
      case 'EscalationExpired': {
        const d = event.data;
        const p = period(d.employeeId, d.periodKey);
        p.reserved_minor -= d.released.amountMinor;
        p.pending_escalations--;
        close(deltas, d.gestureId);
        break;
      }
      case 'GestureReversed': {
        const d = event.data;
        period(d.employeeId, d.periodKey).spent_minor -= d.returned.amountMinor;
        const t = gestureType(deltas, d.employeeId, d.periodKey, d.gestureType);
        t.reversed_count++;
        t.given_minor -= d.returned.amountMinor;
        break;
      }
      case 'GestureRefused': {
        const d = event.data;
        // A gesture refused before it could be placed in a period counts nowhere per period.
        if (d.periodKey !== null) gestureType(deltas, d.employeeId, d.periodKey, d.gestureType).refused_count++;
        break;
      }
      case 'BudgetAdjusted': {
        const d = event.data;
        const p = period(d.employeeId, d.period.key);
        opened(p, d.period, d.currency, d.allowanceAfterMinor);
        break;
      }
      default:
        break;
    }
  }
  return deltas;
}

function touchedPeriod(deltas: BudgetDeltas, employeeId: string, periodKey: string, by: RecordedEvent): PeriodDelta {
  const key = pairKey(employeeId, periodKey);
  let p = deltas.periods.get(key);
  if (p === undefined) {
    p = { employee_id: employeeId, period_key: periodKey, kind: null, ends_on: null, currency: null, allowance_minor: null, spent_minor: 0, reserved_minor: 0, pending_escalations: 0, log_commit: '', log_prepare: '' };
    deltas.periods.set(key, p);
  }
  // Events come in log order: the last one folded is the latest.
  p.log_commit = String(by.position.commit);
  p.log_prepare = String(by.position.prepare);
  return p;
}

/** Events that carry the period carry its allowance as of the decision: the latest one seen wins. */
function opened(p: PeriodDelta, period: { kind: string; endsOn: string }, currency: string, allowanceMinor: number): void {
  p.kind = period.kind;
  p.ends_on = period.endsOn;
  p.currency = currency;
  p.allowance_minor = allowanceMinor;
}

function gestureType(deltas: BudgetDeltas, employeeId: string, periodKey: string, type: string): GestureTypeDelta {
  const key = `${pairKey(employeeId, periodKey)}\u0000${type}`;
  let t = deltas.gestureTypes.get(key);
  if (t === undefined) {
    t = { employee_id: employeeId, period_key: periodKey, gesture_type: type, given_count: 0, given_minor: 0, escalated_count: 0, refused_count: 0, reversed_count: 0 };
    deltas.gestureTypes.set(key, t);
  }
  return t;
}

function close(deltas: BudgetDeltas, gestureId: string): void {
  if (!deltas.opened.delete(gestureId)) deltas.closed.add(gestureId);
}
