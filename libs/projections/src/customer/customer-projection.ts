import type { Projection } from '../projection.js';
import { jsonRows } from '../json-rows.js';
import { customerBulkLoad } from './customer-bulk.js';
import { foldCustomerEvents } from './customer-fold.js';
import { customerIndexesSql, customerTablesSql } from './customer-tables.js';

/** Customer 360: points, tier, lifetime and monthly spend, last feedback, and every gesture received. */
export const customerProjection: Projection = {
  name: 'customer',
  version: 1,
  createTables: customerTablesSql,
  bulkLoad: customerBulkLoad,
  createIndexes: customerIndexesSql,
  async apply(events, query, s) {
    const d = foldCustomerEvents(events);
    if (d.customers.size > 0) {
      await query(
        `insert into ${s}.customers as c
         select * from json_to_recordset($1::json) as x(customer_id text, currency text, points_balance bigint, lifetime_spend_minor bigint,
           purchases int, last_purchase_at timestamptz, tier text, tier_changed_at timestamptz, last_feedback jsonb, last_feedback_at timestamptz)
         on conflict (customer_id) do update set
           currency = coalesce(excluded.currency, c.currency),
           points_balance = c.points_balance + excluded.points_balance,
           lifetime_spend_minor = c.lifetime_spend_minor + excluded.lifetime_spend_minor,
           purchases = c.purchases + excluded.purchases,
           last_purchase_at = greatest(c.last_purchase_at, excluded.last_purchase_at),
           tier = coalesce(excluded.tier, c.tier), tier_changed_at = coalesce(excluded.tier_changed_at, c.tier_changed_at),
           last_feedback = coalesce(excluded.last_feedback, c.last_feedback), last_feedback_at = coalesce(excluded.last_feedback_at, c.last_feedback_at)`,
        [jsonRows(d.customers.values())],
      );
    }
    if (d.months.size > 0) {
      await query(
        `insert into ${s}.customer_spend_months as m
         select * from json_to_recordset($1::json) as x(customer_id text, month text, spend_minor bigint)
         on conflict (customer_id, month) do update set spend_minor = m.spend_minor + excluded.spend_minor`,
        [jsonRows(d.months.values())],
      );
    }
    if (d.gestures.size > 0) {
      await query(
        `insert into ${s}.customer_gestures as g
         select * from json_to_recordset($1::json) as x(gesture_id text, customer_id text, employee_id text, store_id text, channel text,
           gesture_type text, status text, value_minor bigint, currency text, points int, reason_code text, first_at timestamptz, at timestamptz)
         on conflict (gesture_id) do update set status = excluded.status, value_minor = excluded.value_minor, currency = excluded.currency,
           points = excluded.points, at = excluded.at`,
        [jsonRows(d.gestures.values())],
      );
    }
  },
};
