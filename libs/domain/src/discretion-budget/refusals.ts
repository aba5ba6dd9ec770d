/**
 * Why a gesture request was refused. These are recorded in `GestureRefused` events, so they are
 * part of the event schema: add new ones, never rename.
 */
export type GestureRefusalReason =
  | 'no_budget'
  | 'regulated_category'
  | 'channel_not_allowed'
  | 'reason_code_required'
  | 'reason_code_not_allowed'
  | 'note_required'
  | 'unknown_store'
  | 'cost_kind_mismatch'
  | 'currency_mismatch'
  | 'occurred_in_future'
  | 'occurred_too_long_ago'
  | 'period_closed'
  | 'over_gesture_cap'
  | 'too_many_open_escalations'
  | 'period_gesture_limit_reached'
  | 'customer_cap_exceeded'
  | 'allowance_exhausted';

/** Why a command other than a gesture request was refused; returned as a value, not recorded. */
export type BudgetRefusalReason =
  | 'not_authorized'
  | 'self_allocation_forbidden'
  | 'self_adjustment_forbidden'
  | 'unknown_store'
  | 'no_budget'
  | 'unknown_gesture'
  | 'not_pending'
  | 'self_approval_forbidden'
  | 'self_reversal_forbidden'
  | 'approver_role_insufficient'
  | 'escalation_expired'
  | 'not_yet_expired'
  | 'approved_amount_invalid'
  | 'not_reversible'
  | 'already_reversed'
  | 'period_closed'
  | 'currency_mismatch'
  | 'allowance_below_committed'
  | 'effective_too_far_ahead'
  | 'idempotency_key_reused';
