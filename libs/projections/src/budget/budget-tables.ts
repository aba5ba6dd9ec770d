import { assertSchemaName } from '../sql-names.js';

/**
 * Tables updated in place every batch leave a fifth of each page free, so most updates stay on their page
 * without a new index entry (HOT updates): the largest saving on a rebuild's upserts.
 *
 * Employees' discretion budgets per period, as the budget streams' events tell them. Periods are kept
 * for good (the domain forgets closed ones; history is what this read model is for). Columns that only
 * some events know (kind, ends_on, allowance) are nullable so a batch can update a period it does not
 * open without overwriting them.
 */
export function budgetTablesSql(schema: string): string {
  const s = assertSchemaName(schema);
  return `
create table if not exists ${s}.budget_employees (
  employee_id              text primary key,
  role                     text not null,
  store_id                 text not null,
  time_zone                text not null,
  currency                 text not null,
  allowance_override_minor bigint,
  enrolled_at              timestamptz not null,
  policy_version           int not null
);
create table if not exists ${s}.budget_periods (
  employee_id         text not null,
  period_key          text not null,
  kind                text,
  ends_on             date,
  currency            text,
  allowance_minor     bigint,
  spent_minor         bigint not null,
  reserved_minor      bigint not null,
  pending_escalations int not null,
  -- Where in the log the period was last touched, to tell which one an employee used last.
  log_commit          numeric not null,
  log_prepare         numeric not null,
  primary key (employee_id, period_key)
) with (fillfactor = 80);
-- Each policy version's rule per role: an employee's current period is of their role's kind in the latest, and
-- before their first gesture in it holds that version's allowance (unless the employee has their own).
create table if not exists ${s}.budget_role_periods (
  policy_version  int not null,
  role            text not null,
  period_kind     text not null,
  allowance_minor bigint not null,
  currency        text not null,
  primary key (policy_version, role)
);
create table if not exists ${s}.budget_period_gestures (
  employee_id     text not null,
  period_key      text not null,
  gesture_type    text not null,
  given_count     int not null,
  given_minor     bigint not null,
  escalated_count int not null,
  refused_count   int not null,
  reversed_count  int not null,
  primary key (employee_id, period_key, gesture_type)
) with (fillfactor = 80);
-- Escalations still waiting for a decision; a decision or expiry removes the row.
create table if not exists ${s}.pending_escalations (
  gesture_id     text primary key,
  reservation_id text not null,
  employee_id    text not null,
  customer_id    text not null,
  gesture_type   text not null,
  store_id       text not null,
  channel        text not null,
  period_key     text not null,
  reserved_minor bigint not null,
  currency       text not null,
  points         int,
  approver_role  text not null,
  reason_code    text,
  note           text,
  escalated_at   timestamptz not null,
  expires_at     timestamptz not null
);`;
}

export function budgetIndexesSql(schema: string): string[] {
  const s = assertSchemaName(schema);
  return [
    `create index if not exists budget_employees_store on ${s}.budget_employees (store_id)`,
    `create index if not exists budget_periods_recent on ${s}.budget_periods (employee_id, ends_on desc)`,
    `create index if not exists pending_escalations_employee on ${s}.pending_escalations (employee_id)`,
    `create index if not exists pending_escalations_customer on ${s}.pending_escalations (customer_id)`,
    `create index if not exists pending_escalations_oldest on ${s}.pending_escalations (escalated_at, gesture_id)`,
  ];
}
