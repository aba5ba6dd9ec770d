import type { Projection } from '../projection.js';
import { jsonRows } from '../json-rows.js';
import { budgetBulkLoad } from './budget-bulk.js';
import { foldBudgetEvents } from './budget-fold.js';
import { budgetIndexesSql, budgetTablesSql } from './budget-tables.js';

/**
 * Employee discretion budgets (current and past periods, gestures by type) and the escalations still
 * pending, which the supervisors' queues are read from.
 */
export const budgetProjection: Projection = {
  name: 'budget',
  // 2: periods keep where in the log they were last touched, and policies their roles' period kinds (the current period).
  // 3: and their roles' allowances, so a current period with no gesture yet shows what it holds.
  version: 3,
  createTables: budgetTablesSql,
  bulkLoad: budgetBulkLoad,
  createIndexes: budgetIndexesSql,
  async apply(events, query, s) {
    const d = foldBudgetEvents(events);
    if (d.rolePeriods.size > 0) {
      // A published version never changes: a batch applied again writes nothing new.
      await query(
        `insert into ${s}.budget_role_periods select * from json_to_recordset($1::json) as x(policy_version int, role text, period_kind text, allowance_minor bigint, currency text)
         on conflict (policy_version, role) do nothing`,
        [jsonRows(d.rolePeriods.values())],
      );
    }
    if (d.employees.size > 0) {
      await query(
        `insert into ${s}.budget_employees as e
         select * from json_to_recordset($1::json) as x(employee_id text, role text, store_id text, time_zone text, currency text,
                                                       allowance_override_minor bigint, enrolled_at timestamptz, policy_version int)
         on conflict (employee_id) do update set role = excluded.role, store_id = excluded.store_id, time_zone = excluded.time_zone,
           currency = excluded.currency, allowance_override_minor = excluded.allowance_override_minor, policy_version = excluded.policy_version`,
        [jsonRows(d.employees.values())],
      );
    }
    if (d.periods.size > 0) {
      await query(
        `insert into ${s}.budget_periods as p
         select * from json_to_recordset($1::json) as x(employee_id text, period_key text, kind text, ends_on date, currency text,
                                                       allowance_minor bigint, spent_minor bigint, reserved_minor bigint, pending_escalations int,
                                                       log_commit numeric, log_prepare numeric)
         on conflict (employee_id, period_key) do update set
           kind = coalesce(excluded.kind, p.kind), ends_on = coalesce(excluded.ends_on, p.ends_on),
           currency = coalesce(excluded.currency, p.currency), allowance_minor = coalesce(excluded.allowance_minor, p.allowance_minor),
           spent_minor = p.spent_minor + excluded.spent_minor, reserved_minor = p.reserved_minor + excluded.reserved_minor,
           pending_escalations = p.pending_escalations + excluded.pending_escalations,
           log_commit = excluded.log_commit, log_prepare = excluded.log_prepare`,
        [jsonRows(d.periods.values())],
      );
    }
    if (d.gestureTypes.size > 0) {
      await query(
        `insert into ${s}.budget_period_gestures as g
         select * from json_to_recordset($1::json) as x(employee_id text, period_key text, gesture_type text, given_count int,
                                                       given_minor bigint, escalated_count int, refused_count int, reversed_count int)
         on conflict (employee_id, period_key, gesture_type) do update set
           given_count = g.given_count + excluded.given_count, given_minor = g.given_minor + excluded.given_minor,
           escalated_count = g.escalated_count + excluded.escalated_count, refused_count = g.refused_count + excluded.refused_count,
           reversed_count = g.reversed_count + excluded.reversed_count`,
        [jsonRows(d.gestureTypes.values())],
      );
    }
    if (d.opened.size > 0) {
      await query(
        `insert into ${s}.pending_escalations
         select * from json_to_recordset($1::json) as x(gesture_id text, reservation_id text, employee_id text, customer_id text,
           gesture_type text, store_id text, channel text, period_key text, reserved_minor bigint, currency text, points int,
           approver_role text, reason_code text, note text, escalated_at timestamptz, expires_at timestamptz)
         on conflict (gesture_id) do nothing`,
        [jsonRows(d.opened.values())],
      );
    }
    if (d.closed.size > 0) {
      await query(`delete from ${s}.pending_escalations where gesture_id in (select json_array_elements_text($1::json))`, [JSON.stringify([...d.closed])]);
    }
  },
};
