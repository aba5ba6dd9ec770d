import type { BulkLoad, BulkLoadOptions } from '../projection.js';
import { assertSchemaName } from '../sql-names.js';
import { appendStaged, mergeInto, dropStagingSql, stagedBatches, latestSet, stagingName, stagingTablesSql, type StagingTable } from '../runtime/staging.js';
import { emptyCustomerDeltas, foldCustomerEvents, type CustomerGestureRow, type StoreZones } from './customer-fold.js';

const customers: StagingTable = {
  name: 'customers',
  columns: [['customer_id', 'text'], ['currency', 'text'], ['points_balance', 'bigint'], ['lifetime_spend_minor', 'bigint'], ['purchases', 'int'], ['last_purchase_at', 'timestamptz'], ['tier', 'text'], ['tier_changed_at', 'timestamptz'], ['last_feedback', 'jsonb'], ['last_feedback_at', 'timestamptz'], ['spend_as_of_month', 'text']],
};
const months: StagingTable = { name: 'customer_spend_months', columns: [['customer_id', 'text'], ['month', 'text'], ['spend_minor', 'bigint']] };
/** A gesture's later events (a decision, a reversal) in batches after the one that opened it, merged into its row. */
const gestureChanges: StagingTable = {
  name: 'customer_gesture_changes',
  columns: [['gesture_id', 'text'], ['customer_id', 'text'], ['employee_id', 'text'], ['store_id', 'text'], ['channel', 'text'], ['gesture_type', 'text'], ['status', 'text'], ['value_minor', 'bigint'], ['currency', 'text'], ['points', 'int'], ['reason_code', 'text'], ['occurred_at', 'timestamptz'], ['at', 'timestamptz']],
};
const zones: StagingTable = { name: 'customer_store_zones', columns: [['policy_version', 'int'], ['store_id', 'text'], ['time_zone', 'text']] };
const staged = [customers, months, gestureChanges, zones];

/** The feedback given last (ties to the later batch), as the live upserts keep it. */
const latestGiven = (column: string) => `(array_agg(${column} order by last_feedback_at desc, batch desc) filter (where last_feedback_at is not null))[1]`;

/**
 * The customer projection's rebuild path: the live fold appended to staging, merged to what the live upserts
 * leave: sums added up, the latest purchase, the latest tier set, the feedback given last, and each gesture's facts from
 * the first batch that saw it (only ever inserted) with its status and value from the last (always overwritten).
 */
export function customerBulkLoad(schema: string, options: BulkLoadOptions): BulkLoad {
  const s = assertSchemaName(schema);
  const at = (t: StagingTable) => stagingName(s, t);
  const storeZones: StoreZones = new Map();
  return {
    stagingSql: stagingTablesSql(s, staged),
    keyedAfterLoad: ['customers', 'customer_spend_months', 'customer_gestures', 'customer_store_zones'],
    // The load reads the log from its start, so every policy is folded before the purchases decided under it.
    ...stagedBatches(options, emptyCustomerDeltas, (events, d) => foldCustomerEvents(events, d, storeZones), async (target, d, b) => {
      await appendStaged(target, s, customers, b, d.customers.values());
      await appendStaged(target, s, months, b, d.months.values());
      // A gesture opened in the batch (most: a decision usually comes within the batch) goes straight to its table.
      const opened: CustomerGestureRow[] = [];
      const changed: CustomerGestureRow[] = [];
      for (const g of d.gestures.values()) (g.opened ? opened : changed).push(g);
      await target.append(`${s}.customer_gestures`, gestureChanges.columns, opened, (row, i) => row[gestureChanges.columns[i]![0] as keyof CustomerGestureRow]);
      await appendStaged(target, s, gestureChanges, b, changed);
      await appendStaged(target, s, zones, b, d.zones.values());
    }),
    merges: [
      {
        // The rows of the batches that opened the gestures are in; each later change overwrites the status and
        // value, as the live upserts do. A change of a gesture no batch opened (none in a whole log) makes its row.
        tables: ['customer_gestures'],
        async run(query) {
          await query(
            `update ${s}.customer_gestures g set status = l.status, value_minor = l.value_minor, currency = l.currency, points = l.points, at = l.at
             from (select distinct on (gesture_id) * from ${at(gestureChanges)} order by gesture_id, batch desc) l
             where g.gesture_id = l.gesture_id`,
            [],
          );
          await query(
            `insert into ${s}.customer_gestures (gesture_id, customer_id, employee_id, store_id, channel, gesture_type, status, value_minor, currency,
               points, reason_code, occurred_at, at)
             select f.gesture_id, f.customer_id, f.employee_id, f.store_id, f.channel, f.gesture_type, l.status, l.value_minor, l.currency,
               l.points, f.reason_code, f.occurred_at, l.at
             from (select distinct on (gesture_id) * from ${at(gestureChanges)} c
                    where not exists (select from ${s}.customer_gestures g where g.gesture_id = c.gesture_id) order by gesture_id, batch) f
             join (select distinct on (gesture_id) * from ${at(gestureChanges)} order by gesture_id, batch desc) l using (gesture_id)`,
            [],
          );
        },
      },
      mergeInto('customers', `insert into ${s}.customers (customer_id, currency, points_balance, lifetime_spend_minor, purchases, last_purchase_at, tier, tier_changed_at,
               last_feedback, last_feedback_at, spend_as_of_month)
             select customer_id, ${latestSet('currency')}, sum(points_balance), sum(lifetime_spend_minor), sum(purchases), max(last_purchase_at),
               ${latestSet('tier')}, ${latestSet('tier_changed_at')}, ${latestGiven('last_feedback')}, max(last_feedback_at), ${latestSet('spend_as_of_month')}
             from ${at(customers)} group by customer_id`),
      mergeInto('customer_spend_months', `insert into ${s}.customer_spend_months (customer_id, month, spend_minor)
             select customer_id, month, sum(spend_minor) from ${at(months)} group by customer_id, month`),
      mergeInto('customer_store_zones', `insert into ${s}.customer_store_zones (policy_version, store_id, time_zone)
             select distinct on (policy_version, store_id) policy_version, store_id, time_zone from ${at(zones)} order by policy_version, store_id, batch`),
    ],
    dropStagingSql: dropStagingSql(s, staged),
  };
}
