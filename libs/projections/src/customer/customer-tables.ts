import { assertSchemaName } from '../sql-names.js';

/** The customer 360 the CRM reads: loyalty standing, spend, the gestures the customer received, feedback. */
export function customerTablesSql(schema: string): string {
  const s = assertSchemaName(schema);
  return `
create table if not exists ${s}.customers (
  customer_id          text primary key,
  currency             text,
  points_balance       bigint not null,
  lifetime_spend_minor bigint not null,
  purchases            int not null,
  last_purchase_at     timestamptz,
  tier                 text,
  tier_changed_at      timestamptz,
  last_feedback        jsonb,
  last_feedback_at     timestamptz,
  -- The month the loyalty domain last re-tiered the customer as of, as far as the log shows it.
  spend_as_of_month    text
) with (fillfactor = 80);
-- Each policy version's store time zones: a purchase re-tiers as of its store's local month.
create table if not exists ${s}.customer_store_zones (
  policy_version int not null,
  store_id       text not null,
  time_zone      text not null,
  primary key (policy_version, store_id)
);
-- Spend per store-local month of the purchase (the domain's buckets), summed over the twelve ending with spend_as_of_month.
create table if not exists ${s}.customer_spend_months (
  customer_id text not null,
  month       text not null,
  spend_minor bigint not null,
  primary key (customer_id, month)
) with (fillfactor = 80);
-- One row per gesture a customer was offered, with its latest status and the value it ended up worth.
create table if not exists ${s}.customer_gestures (
  gesture_id   text primary key,
  customer_id  text not null,
  employee_id  text not null,
  store_id     text not null,
  channel      text not null,
  gesture_type text not null,
  status       text not null,
  value_minor  bigint not null,
  currency     text not null,
  points       int,
  reason_code  text,
  -- When the gesture was made at the till: what the 30/90/365-day windows count from.
  occurred_at  timestamptz not null,
  -- When its latest event was recorded.
  at           timestamptz not null
) with (fillfactor = 80);`;
}

export function customerIndexesSql(schema: string): string[] {
  const s = assertSchemaName(schema);
  // On the customer alone: `at` changes with each decision, and an index on it would rule out HOT updates.
  return [`create index if not exists customer_gestures_of_customer on ${s}.customer_gestures (customer_id)`];
}
