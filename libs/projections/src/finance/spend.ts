import { addMinor } from '#domain';
import type { Query } from '../projection.js';
import { financeTables } from './finance-tables.js';
import type { FinancePeriod } from './gesture-lines.js';
import { openingKinds } from './journal-line.js';
import { minorFromSql } from './minor-units.js';

export const spendBuckets = ['day', 'week', 'month'] as const;
export type SpendBucket = (typeof spendBuckets)[number];
export const spendDimensions = ['store', 'region', 'employee', 'type', 'reason'] as const;
export type SpendDimension = (typeof spendDimensions)[number];

export interface SpendRow {
  /**
   * First day of the bucket as a business date, `YYYY-MM-DD` (weeks start on Monday): each entry is dated
   * in its store's time zone, as its discretion budget's periods are, so a store's day, week and month here
   * are the ones its budgets count (a gesture at 22:30 in Chicago is that evening's, not the next UTC day's).
   */
  bucket: string;
  key: string;
  currency: string;
  /** Granted and approved, less reversed, dated by each entry's occurrence. */
  postedMinor: number;
  /** Escalated in this bucket and still undecided as of `asOf`. */
  pendingReservedMinor: number;
  /** Entries that moved spend (grants, approvals, reversals). */
  postings: number;
}

export interface SpendReport {
  groupBy: SpendBucket;
  by: SpendDimension;
  rows: SpendRow[];
  totals: Array<{ currency: string; postedMinor: number; pendingReservedMinor: number; postings: number }>;
}

/** `openingKinds` as an SQL list (fixed words, so safe to splice). */
const openingKindsSql = `(${openingKinds.map((kind) => `'${kind}'`).join(', ')})`;

/**
 * The reason journal entry `e`'s gesture was made for (null if none): an opening line carries it; an approval's
 * own reason is the approver's, so a decision or a reversal looks up its gesture's opening line (a CASE, so the
 * lookup runs for those lines only, not for every line). Spend by reason and the export's column both use it.
 */
export function gestureReasonSql(journal: string): string {
  return `case when e.kind in ${openingKindsSql} then e.reason_code
    else (select x.reason_code from ${journal} x where x.gesture_id = e.gesture_id and x.kind in ${openingKindsSql} order by x.seq limit 1) end`;
}

/** Entry `e`'s occurrence in the local time of its store `st` (as `e`'s policy version had it): what buckets are cut from. */
export const storeLocalTimeSql = `e.occurred_at at time zone coalesce(st.time_zone, 'UTC')`;

/** Dimension → SQL over journal entry `e` in `journal`. Spliced into SQL text, so only these fixed expressions can reach it. */
function dimensionSql(by: SpendDimension, journal: string): string {
  switch (by) {
    case 'store':
      return 'e.store_id';
    case 'region':
      return `coalesce(st.region, '(unknown)')`;
    case 'employee':
      return 'e.employee_id';
    case 'type':
      return 'e.gesture_type';
    case 'reason':
      return `coalesce(${gestureReasonSql(journal)}, '(none)')`;
  }
}

/** Rows one spend report answers at most: a body of a few megabytes, built in memory (totals need them all). */
export const spendRowsMax = 20_000;

/** The report would have more than `spendRowsMax` rows (days × employees of a large chain): nothing is answered. */
export class SpendReportTooLarge extends Error {
  override readonly name = 'SpendReportTooLarge';

  constructor(readonly rowsMax: number) {
    super(`the report has more than ${rowsMax.toLocaleString('en-US')} rows: a shorter period, coarser buckets or another dimension answer it; the CSV export streams every entry of any period`);
  }
}

/**
 * Spend grouped by time bucket × one dimension, per currency, as the journal stood at `asOf`. The period
 * selects entries by instant; the buckets are their stores' local dates, and regions their stores'
 * regions, as the policy version that decided each entry had them. Throws `SpendReportTooLarge` beyond
 * `rowsMax` rows: their count grows with headcount, not only with the period the request bounds.
 */
export async function spendReport(query: Query, schema: string, period: FinancePeriod, groupBy: SpendBucket, by: SpendDimension, rowsMax = spendRowsMax): Promise<SpendReport> {
  const t = financeTables(schema);
  const rows = await query<{ bucket: string; key: string; currency: string; posted_minor: string; pending_minor: string; postings: string }>(
    `with known as (
       select e.seq, e.gesture_id, e.kind, e.occurred_at, e.store_id, e.policy_version, e.employee_id, e.gesture_type, e.reason_code, e.currency, e.posted_minor,
              case when e.kind = 'escalated' and not exists (
                select 1 from ${t.journal} d
                 where d.gesture_id = e.gesture_id and d.kind in ('approved', 'denied', 'expired') and ($3::timestamptz is null or d.recorded_at <= $3))
                   then e.reserved_minor else 0 end as pending_minor
         from ${t.journal} e
        where e.occurred_at >= $1 and e.occurred_at < $2 and ($3::timestamptz is null or e.recorded_at <= $3)
          and (e.posted_minor <> 0 or e.kind = 'escalated')
     )
     select to_char(date_trunc($4, ${storeLocalTimeSql}), 'YYYY-MM-DD') as bucket, ${dimensionSql(by, t.journal)} as key, e.currency,
            sum(e.posted_minor)::text as posted_minor, sum(e.pending_minor)::text as pending_minor,
            count(*) filter (where e.posted_minor <> 0)::text as postings
       from known e left join ${t.policyStore} st on st.policy_version = e.policy_version and st.store_id = e.store_id
      group by 1, 2, 3
     having sum(e.posted_minor) <> 0 or sum(e.pending_minor) <> 0 or count(*) filter (where e.posted_minor <> 0) > 0
      order by 1, 2, 3
      limit $5`,
    [period.from, period.to, period.asOf, groupBy, rowsMax + 1],
  );
  if (rows.length > rowsMax) throw new SpendReportTooLarge(rowsMax);
  const spend = rows.map((r) => ({ bucket: r.bucket, key: r.key, currency: r.currency, postedMinor: minorFromSql(r.posted_minor), pendingReservedMinor: minorFromSql(r.pending_minor), postings: Number(r.postings) }));
  return { groupBy, by, rows: spend, totals: totalsByCurrency(spend) };
}

function totalsByCurrency(rows: SpendRow[]): SpendReport['totals'] {
  const totals = new Map<string, { currency: string; postedMinor: number; pendingReservedMinor: number; postings: number }>();
  for (const row of rows) {
    const total = totals.get(row.currency) ?? { currency: row.currency, postedMinor: 0, pendingReservedMinor: 0, postings: 0 };
    total.postedMinor = addMinor(total.postedMinor, row.postedMinor);
    total.pendingReservedMinor = addMinor(total.pendingReservedMinor, row.pendingReservedMinor);
    total.postings += row.postings;
    totals.set(row.currency, total);
  }
  return [...totals.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1));
}
