import { assert } from '../assert.js';
import { assertWho, assertWhy } from '../context.js';
import { refuse, type Decision } from '../decision.js';
import { assertId } from '../ids.js';
import { addMinor } from '../money.js';
import type { Policy } from '../policy/policy.js';
import { mayManageBudgets } from '../staff/roles.js';
import { msPerDay, parseInstant } from '../time/instant.js';
import { limits } from '../limits.js';
import type { AdjustBudget } from './commands.js';
import type { BudgetEvent } from './events.js';
import type { BudgetRefusalReason } from './refusals.js';
import { decisionClockMs, isClosedToUploads, ledgerAt } from './rules.js';
import type { BudgetState } from './state.js';

/** A manager tops up one period's allowance, or lowers it, never below what is already spent and reserved. */
export function adjustBudget({ data }: AdjustBudget, state: BudgetState, policy: Policy): Decision<BudgetEvent, BudgetRefusalReason> {
  assertId(data.adjustmentId, 'adjustmentId');
  assert(Number.isSafeInteger(data.deltaMinor) && data.deltaMinor !== 0, `deltaMinor must be a non-zero safe integer, got ${data.deltaMinor}`);
  assertWho(data.by, 'by');
  assertWhy(data.why);
  const effectiveMs = parseInstant(data.effectiveAt, 'effectiveAt');
  if (state.status !== 'active') return refuse('no_budget');
  if (!mayManageBudgets(data.by.role)) return refuse('not_authorized', ['only a manager or an admin may adjust budgets']);
  if (data.by.employeeId === state.employeeId) return refuse('self_adjustment_forbidden');

  // A retry repeats the first answer, even when it arrives after the day (and so the default period) moved on;
  // another amount under the same id is another adjustment, which a reused key must not pass for.
  for (const ledger of state.periods.values()) {
    const first = ledger.adjustments.find((made) => made.adjustmentId === data.adjustmentId);
    if (first === undefined) continue;
    if (first.deltaMinor === data.deltaMinor) return [];
    return refuse('idempotency_key_reused', [`this key first adjusted ${ledger.period.key} by ${first.deltaMinor}, not ${data.deltaMinor}; its first answer stands`]);
  }
  if (effectiveMs > parseInstant(data.recordedAt, 'recordedAt') + limits.adjustmentLeadDaysMax * msPerDay) {
    return refuse('effective_too_far_ahead', [`an adjustment takes effect at most ${limits.adjustmentLeadDaysMax} days ahead`]);
  }
  const ledger = ledgerAt(state, policy, effectiveMs);
  const { period } = ledger;
  if (isClosedToUploads(state, policy, period.endsOn, decisionClockMs(state, data.recordedAt))) return refuse('period_closed');
  if (ledger.currency !== policy.currency) return refuse('currency_mismatch');
  const after = addMinor(ledger.allowanceMinor, data.deltaMinor);
  if (after < ledger.spentMinor + ledger.reservedMinor) {
    return refuse('allowance_below_committed', [`${ledger.spentMinor} spent and ${ledger.reservedMinor} reserved in ${period.key}`]);
  }
  return [
    {
      type: 'BudgetAdjusted',
      schemaVersion: 1,
      data: {
        employeeId: state.employeeId,
        adjustmentId: data.adjustmentId,
        period,
        currency: ledger.currency,
        deltaMinor: data.deltaMinor,
        allowanceBeforeMinor: ledger.allowanceMinor,
        allowanceAfterMinor: after,
        by: data.by,
        reasonCode: data.why.reasonCode,
        note: data.why.note,
        recordedAt: data.recordedAt,
        policyVersion: policy.version,
      },
    },
  ];
}
