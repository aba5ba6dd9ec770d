import { assertSchemaName } from '../sql-names.js';

/** The finance read model's tables, qualified by the schema the projector chose. */
export function financeTables(schema: string) {
  const s = assertSchemaName(schema);
  return {
    journal: `${s}.finance_journal`,
    chain: `${s}.finance_chain`,
    policy: `${s}.finance_policy`,
    policyStore: `${s}.finance_policy_store`,
    enrolment: `${s}.finance_enrolment`,
    feedback: `${s}.finance_feedback`,
  };
}

export type FinanceTables = ReturnType<typeof financeTables>;

/**
 * The journal is append-only and hash-chained (`hash` covers the previous line's hash). Timestamps
 * are `timestamptz` for range queries; the hash was taken over their millisecond ISO text.
 * Policies, stores and employees are kept only to look up caps, thresholds, regions, time zones and roles.
 */
export function createFinanceTables(schema: string): string {
  const t = financeTables(schema);
  return `
create table if not exists ${t.journal} (
  seq               bigint primary key,
  event_id          text not null,
  position          text not null,
  kind              text not null,
  gesture_id        text not null,
  employee_id       text not null,
  customer_id       text not null,
  gesture_type      text not null,
  store_id          text not null,
  channel           text not null,
  actor_id          text not null,
  actor_employee_id text,
  approver_id       text,
  reason_code       text,
  note              text,
  policy_version    int not null,
  currency          text not null,
  amount_minor      bigint not null,
  posted_minor      bigint not null,
  reserved_minor    bigint not null,
  points            bigint,
  period_key        text,
  occurred_at       timestamptz not null,
  recorded_at       timestamptz not null,
  hash              text not null
);
create table if not exists ${t.chain} (
  id            int primary key check (id = 1),
  head_seq      bigint not null,
  head_hash     text not null,
  head_position text not null
);
create table if not exists ${t.policy} (
  version      int primary key,
  currency     text not null,
  roles        jsonb not null,
  published_at timestamptz not null
);
-- Each policy version's stores: a journal line is dated and grouped by the store as the policy that decided
-- it had it, so a later change of time zone or region leaves past reports (and views as of a past moment) as they were.
create table if not exists ${t.policyStore} (
  policy_version int not null,
  store_id       text not null,
  region         text not null,
  time_zone      text not null,
  primary key (policy_version, store_id)
);
-- Every enrolment (an employee enrols again when promoted or moved), at its place in the log: a gesture is
-- judged against the role its employee had when it was decided, not a later one.
create table if not exists ${t.enrolment} (
  event_id     text primary key,
  employee_id  text not null,
  role         text not null,
  store_id     text not null,
  log_commit   numeric not null,
  log_prepare  numeric not null,
  recorded_at  timestamptz not null
);
create table if not exists ${t.feedback} (
  event_id    text primary key,
  feedback_id text not null,
  customer_id text not null,
  kind        text not null,
  score       int,
  gesture_id  text,
  employee_id text,
  channel     text,
  occurred_at timestamptz not null,
  recorded_at timestamptz not null
);
`;
}

export function createFinanceIndexes(schema: string): string[] {
  // Index names are unqualified: PostgreSQL puts an index in its table's schema.
  const t = financeTables(schema);
  return [
    `create index if not exists finance_journal_occurred on ${t.journal} (occurred_at)`,
    `create index if not exists finance_journal_gesture on ${t.journal} (gesture_id, seq)`,
    `create index if not exists finance_journal_employee on ${t.journal} (employee_id, occurred_at)`,
    `create index if not exists finance_journal_store on ${t.journal} (store_id, occurred_at)`,
    `create index if not exists finance_feedback_occurred on ${t.feedback} (occurred_at)`,
    `create index if not exists finance_enrolment_employee on ${t.enrolment} (employee_id, log_commit, log_prepare)`,
    `create index if not exists finance_feedback_employee on ${t.feedback} (employee_id, occurred_at)`,
  ];
}
