import type { BulkLoad, BulkLoadOptions } from '../projection.js';
import { assertSchemaName } from '../sql-names.js';
import { appendStaged, mergeInto, dropStagingSql, stagedBatches, first, last, latestSet, stagingName, stagingTablesSql, type StagingTable } from '../runtime/staging.js';
import { emptyBudgetDeltas, foldBudgetEvents } from './budget-fold.js';

const employees: StagingTable = {
  name: 'budget_employees',
  columns: [['employee_id', 'text'], ['role', 'text'], ['store_id', 'text'], ['time_zone', 'text'], ['currency', 'text'], ['allowance_override_minor', 'bigint'], ['enrolled_at', 'timestamptz'], ['policy_version', 'int']],
};
const periods: StagingTable = {
  name: 'budget_periods',
  columns: [['employee_id', 'text'], ['period_key', 'text'], ['kind', 'text'], ['ends_on', 'date'], ['currency', 'text'], ['allowance_minor', 'bigint'], ['spent_minor', 'bigint'], ['reserved_minor', 'bigint'], ['pending_escalations', 'int'], ['log_commit', 'numeric'], ['log_prepare', 'numeric']],
};
const gestureTypes: StagingTable = {
  name: 'budget_period_gestures',
  columns: [['employee_id', 'text'], ['period_key', 'text'], ['gesture_type', 'text'], ['given_count', 'int'], ['given_minor', 'bigint'], ['escalated_count', 'int'], ['refused_count', 'int'], ['reversed_count', 'int']],
};
const opened: StagingTable = {
  name: 'escalations_opened',
  columns: [['gesture_id', 'text'], ['reservation_id', 'text'], ['employee_id', 'text'], ['customer_id', 'text'], ['gesture_type', 'text'], ['store_id', 'text'], ['channel', 'text'], ['period_key', 'text'], ['reserved_minor', 'bigint'], ['currency', 'text'], ['points', 'int'], ['approver_role', 'text'], ['reason_code', 'text'], ['note', 'text'], ['escalated_at', 'timestamptz'], ['expires_at', 'timestamptz']],
};
const closed: StagingTable = { name: 'escalations_closed', columns: [['gesture_id', 'text']] };
const rolePeriods: StagingTable = { name: 'budget_role_periods', columns: [['policy_version', 'int'], ['role', 'text'], ['period_kind', 'text'], ['allowance_minor', 'bigint'], ['currency', 'text']] };
const staged = [employees, periods, gestureTypes, opened, closed, rolePeriods];


/**
 * The budget projection's rebuild path: the same per-batch fold as the live path, appended to staging, and
 * merged to exactly what the live upserts leave: sums added up, "latest" columns from the last batch that
 * set them, an employee's enrolment time from the first, an escalation kept when no decision came in its
 * batch or after (the live path inserts a batch's opened escalations before deleting its closed ones).
 */
export function budgetBulkLoad(schema: string, options: BulkLoadOptions): BulkLoad {
  const s = assertSchemaName(schema);
  const at = (t: StagingTable) => stagingName(s, t);
  return {
    stagingSql: stagingTablesSql(s, staged),
    keyedAfterLoad: ['budget_employees', 'budget_periods', 'budget_period_gestures', 'pending_escalations', 'budget_role_periods'],
    ...stagedBatches(options, emptyBudgetDeltas, foldBudgetEvents, async (target, d, b) => {
      await appendStaged(target, s, employees, b, d.employees.values());
      await appendStaged(target, s, periods, b, d.periods.values());
      await appendStaged(target, s, gestureTypes, b, d.gestureTypes.values());
      await appendStaged(target, s, opened, b, d.opened.values());
      await appendStaged(target, s, closed, b, [...d.closed].map((gesture_id) => ({ gesture_id })));
      await appendStaged(target, s, rolePeriods, b, d.rolePeriods.values());
    }),
    merges: [
      mergeInto('budget_periods', `insert into ${s}.budget_periods (employee_id, period_key, kind, ends_on, currency, allowance_minor, spent_minor, reserved_minor, pending_escalations,
               log_commit, log_prepare)
             select employee_id, period_key, ${latestSet('kind')}, ${latestSet('ends_on')}, ${latestSet('currency')}, ${latestSet('allowance_minor')},
               sum(spent_minor), sum(reserved_minor), sum(pending_escalations), ${last('log_commit')}, ${last('log_prepare')}
             from ${at(periods)} group by employee_id, period_key`),
      mergeInto('budget_period_gestures', `insert into ${s}.budget_period_gestures (employee_id, period_key, gesture_type, given_count, given_minor, escalated_count, refused_count, reversed_count)
             select employee_id, period_key, gesture_type, sum(given_count), sum(given_minor), sum(escalated_count), sum(refused_count), sum(reversed_count)
             from ${at(gestureTypes)} group by employee_id, period_key, gesture_type`),
      mergeInto('pending_escalations', `insert into ${s}.pending_escalations (gesture_id, reservation_id, employee_id, customer_id, gesture_type, store_id, channel, period_key,
               reserved_minor, currency, points, approver_role, reason_code, note, escalated_at, expires_at)
             select distinct on (o.gesture_id) o.gesture_id, o.reservation_id, o.employee_id, o.customer_id, o.gesture_type, o.store_id, o.channel,
               o.period_key, o.reserved_minor, o.currency, o.points, o.approver_role, o.reason_code, o.note, o.escalated_at, o.expires_at
             from ${at(opened)} o
             where not exists (select from ${at(closed)} c where c.gesture_id = o.gesture_id and c.batch >= o.batch)
             order by o.gesture_id, o.batch`),
      mergeInto('budget_employees', `insert into ${s}.budget_employees (employee_id, role, store_id, time_zone, currency, allowance_override_minor, enrolled_at, policy_version)
             select employee_id, ${last('role')}, ${last('store_id')}, ${last('time_zone')}, ${last('currency')}, ${last('allowance_override_minor')},
               ${first('enrolled_at')}, ${last('policy_version')}
             from ${at(employees)} group by employee_id`),
      mergeInto('budget_role_periods', `insert into ${s}.budget_role_periods (policy_version, role, period_kind, allowance_minor, currency)
             select distinct on (policy_version, role) policy_version, role, period_kind, allowance_minor, currency from ${at(rolePeriods)} order by policy_version, role, batch`),
    ],
    dropStagingSql: dropStagingSql(s, staged),
  };
}
