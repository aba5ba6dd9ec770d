import type { PurchaseRecorded } from '#domain';
import type { RecordedEvent } from '#event-store';
import type { Projection, Query } from '../projection.js';
import { jsonRows } from '../json-rows.js';
import { customerBulkLoad } from './customer-bulk.js';
import { foldCustomerEvents, storeZoneKey, type StoreZoneRow, type StoreZones } from './customer-fold.js';
import { customerIndexesSql, customerTablesSql } from './customer-tables.js';

/** Customer 360: points, tier, lifetime and monthly spend, last feedback, and every gesture received. */
export const customerProjection: Projection = {
  name: 'customer',
  // 2: the last feedback is the latest given (occurredAt), not the latest uploaded.
  // 3: customers keep the month the domain last re-tiered them as of, and policies their stores' time zones.
  // 4: the last purchase is the latest instant, not the latest text (purchases in one batch written with different
  //    offsets); gestures keep when they were made (occurredAt), and the 30/90/365-day windows count from it.
  version: 4,
  createTables: customerTablesSql,
  bulkLoad: customerBulkLoad,
  createIndexes: customerIndexesSql,
  async apply(events, query, s) {
    const d = foldCustomerEvents(events, undefined, await storeZonesOfPurchases(events, query, s));
    if (d.zones.size > 0) {
      // A published version never changes: a batch applied again writes nothing new.
      await query(
        `insert into ${s}.customer_store_zones select * from json_to_recordset($1::json) as x(policy_version int, store_id text, time_zone text)
         on conflict (policy_version, store_id) do nothing`,
        [jsonRows(d.zones.values())],
      );
    }
    if (d.customers.size > 0) {
      await query(
        `insert into ${s}.customers as c
         select * from json_to_recordset($1::json) as x(customer_id text, currency text, points_balance bigint, lifetime_spend_minor bigint,
           purchases int, last_purchase_at timestamptz, tier text, tier_changed_at timestamptz, last_feedback jsonb, last_feedback_at timestamptz,
           spend_as_of_month text)
         on conflict (customer_id) do update set
           currency = coalesce(excluded.currency, c.currency),
           points_balance = c.points_balance + excluded.points_balance,
           lifetime_spend_minor = c.lifetime_spend_minor + excluded.lifetime_spend_minor,
           purchases = c.purchases + excluded.purchases,
           last_purchase_at = greatest(c.last_purchase_at, excluded.last_purchase_at),
           tier = coalesce(excluded.tier, c.tier), tier_changed_at = coalesce(excluded.tier_changed_at, c.tier_changed_at),
           last_feedback = case when excluded.last_feedback_at >= c.last_feedback_at or c.last_feedback_at is null
                                then coalesce(excluded.last_feedback, c.last_feedback) else c.last_feedback end,
           last_feedback_at = greatest(excluded.last_feedback_at, c.last_feedback_at),
           spend_as_of_month = coalesce(excluded.spend_as_of_month, c.spend_as_of_month)`,
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
           gesture_type text, status text, value_minor bigint, currency text, points int, reason_code text, occurred_at timestamptz, at timestamptz)
         on conflict (gesture_id) do update set status = excluded.status, value_minor = excluded.value_minor, currency = excluded.currency,
           points = excluded.points, at = excluded.at`,
        [jsonRows(d.gestures.values())],
      );
    }
  },
};

/** The time zones of the stores the batch's purchases were made in, from the policies projected before it. */
async function storeZonesOfPurchases(events: readonly RecordedEvent[], query: Query, s: string): Promise<StoreZones> {
  const stores = new Map<string, { policy_version: number; store_id: string }>();
  for (const event of events) {
    if (event.type !== 'PurchaseRecorded') continue;
    const d = event.data as unknown as PurchaseRecorded['data'];
    stores.set(storeZoneKey(d.policyVersion, d.where.storeId), { policy_version: d.policyVersion, store_id: d.where.storeId });
  }
  const zones: StoreZones = new Map();
  if (stores.size === 0) return zones;
  const rows = await query<StoreZoneRow>(
    `select z.policy_version, z.store_id, z.time_zone from ${s}.customer_store_zones z
      join json_to_recordset($1::json) as x(policy_version int, store_id text) using (policy_version, store_id)`,
    [jsonRows(stores.values())],
  );
  for (const row of rows) zones.set(storeZoneKey(row.policy_version, row.store_id), row.time_zone);
  return zones;
}
