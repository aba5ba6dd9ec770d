import type { Query } from '../projection.js';
import { financeTables, type FinanceTables } from './finance-tables.js';
import type { FinancePeriod } from './gesture-lines.js';
import { decimalOf, minorFromSql } from './minor-units.js';

/**
 * The thresholds finance's anomaly flags use besides the policy's own (per-gesture cap and
 * auto-approval limit of the employee's role, in the policy version each gesture was decided under).
 */
export const anomalyRules = {
  /** Gestures by one employee to one customer this close together are read as one split gesture. */
  splitWindowMinutes: 60,
  /** Favouring a customer: at least this many gestures to them in the period… */
  favouredGesturesMin: 5,
  /** …making at least this percentage of the employee's gestures. */
  favouredSharePercentMin: 30,
  /** "Just under" the auto-approval limit: at most this percentage below it (the limit itself included). */
  nearThresholdBandPercent: 10,
  nearThresholdGesturesMin: 3,
  /** …and at least this percentage of the employee's gestures in the period. */
  nearThresholdSharePercentMin: 50,
  /** Peer outlier: posted spend above this multiple of the store's median employee spend… */
  peerSpendFactor: 3,
  /** …in a store where at least this many employees spent anything. */
  peerEmployeesMin: 3,
  /** Gesture ids listed as evidence per flag, at most. */
  evidenceGesturesMax: 20,
} as const;

export const anomalyKinds = ['split_gesture', 'favoured_customer', 'just_under_threshold', 'peer_outlier'] as const;
export type AnomalyKind = (typeof anomalyKinds)[number];

export interface AnomalyEvidence {
  gestureIds: string[];
  amountsMinor: number[];
  totalMinor: number;
  windowStart: string | null;
  windowEnd: string | null;
  /** The limit or comparison the flag was measured against (cap, threshold, store median). */
  referenceMinor: number | null;
  /** Counts that back the flag: gestures in the window, share of the employee's gestures, peers. */
  counts: Record<string, number>;
}

export interface AnomalyFlag {
  kind: AnomalyKind;
  employeeId: string;
  customerId: string | null;
  storeId: string | null;
  currency: string;
  evidence: AnomalyEvidence;
  why: string;
}

/** Every flag for gestures that occurred in the period and were known at `asOf`. */
export async function findAnomalies(query: Query, schema: string, period: FinancePeriod): Promise<AnomalyFlag[]> {
  const t = financeTables(schema);
  const found = await Promise.all([splitGestures(query, t, period), favouredCustomers(query, t, period), justUnderThreshold(query, t, period), peerOutliers(query, t, period)]);
  return found.flat();
}

/**
 * Each enrolment with the log span it governs, from its own position to the employee's next enrolment:
 * a gesture was decided under the enrolment whose span holds its position. Positions compare as
 * (commit, prepare); the journal keeps them as text.
 */
function enrolmentSpansSql(t: FinanceTables): string {
  return `select employee_id, role, log_commit as from_commit, log_prepare as from_prepare,
                 lead(log_commit) over w as to_commit, lead(log_prepare) over w as to_prepare
            from ${t.enrolment} window w as (partition by employee_id order by log_commit, log_prepare)`;
}

/**
 * Opening entries that asked for money in the period, with the caller's role limits (as they were then) under
 * each one's policy version. `lookbackMinutes` reaches that far before the period, for windows that end in it.
 */
function requestsSql(t: FinanceTables, lookbackMinutes = 0): string {
  return `select j.seq, j.gesture_id, j.employee_id, j.customer_id, j.store_id, j.currency, j.amount_minor, j.occurred_at, emp.role,
                 (p.roles -> emp.role ->> 'capPerGestureMinor')::bigint as cap,
                 (p.roles -> emp.role ->> 'autoApproveUpToMinor')::bigint as threshold
            from ${t.journal} j
            cross join lateral (select split_part(j.position, '/', 1)::numeric as log_commit, split_part(j.position, '/', 2)::numeric as log_prepare) jp
            left join (${enrolmentSpansSql(t)}) emp on emp.employee_id = j.employee_id
                  and (jp.log_commit, jp.log_prepare) > (emp.from_commit, emp.from_prepare)
                  and (emp.to_commit is null or (jp.log_commit, jp.log_prepare) < (emp.to_commit, emp.to_prepare))
            left join ${t.policy} p on p.version = j.policy_version
           where j.kind in ('granted', 'escalated') and j.occurred_at >= $1::timestamptz - interval '${lookbackMinutes} minutes' and j.occurred_at < $2
             and ($3::timestamptz is null or j.recorded_at <= $3)`;
}

const periodParams = (p: FinancePeriod) => [p.from, p.to, p.asOf];
const money = (minor: number, currency: string) => `${decimalOf(minor, currency)} ${currency}`;
const max = anomalyRules.evidenceGesturesMax;

interface SplitRow {
  employee_id: string;
  customer_id: string;
  store_id: string;
  currency: string;
  role: string;
  cap: string;
  total: string;
  n: string;
  ids: string[];
  amounts: string[];
  window_start: Date;
  window_end: Date;
}

/**
 * A window is flagged in the period its last gesture fell in, with its earlier parts from before the period too:
 * otherwise a split across the edge of two periods (parts at 23:50 and 00:05) would be flagged by neither.
 */
async function splitGestures(query: Query, t: FinanceTables, period: FinancePeriod): Promise<AnomalyFlag[]> {
  const rows = await query<SplitRow>(
    `with requests as (${requestsSql(t, anomalyRules.splitWindowMinutes)}),
     windows as (
       select *, sum(amount_minor) over w as total, count(*) over w as n, array_agg(gesture_id) over w as ids,
              array_agg(amount_minor::text) over w as amounts, min(occurred_at) over w as window_start
         from requests where cap is not null
       window w as (partition by employee_id, customer_id, currency order by occurred_at
                    range between interval '${anomalyRules.splitWindowMinutes} minutes' preceding and current row)
     )
     select distinct on (employee_id, customer_id, currency) employee_id, customer_id, store_id, currency, role, cap::text, total::text, n::text,
            ids, amounts, window_start, occurred_at as window_end
       from windows where n >= 2 and total > cap and occurred_at >= $1
      order by employee_id, customer_id, currency, total desc`,
    periodParams(period),
  );
  return rows.map((r) => {
    const total = minorFromSql(r.total);
    const cap = minorFromSql(r.cap);
    const n = Number(r.n);
    return {
      kind: 'split_gesture',
      employeeId: r.employee_id,
      customerId: r.customer_id,
      storeId: r.store_id,
      currency: r.currency,
      evidence: { gestureIds: r.ids.slice(0, max), amountsMinor: r.amounts.slice(0, max).map(Number), totalMinor: total, windowStart: iso(r.window_start), windowEnd: iso(r.window_end), referenceMinor: cap, counts: { gestures: n } },
      why: `${r.employee_id} made ${n} gestures to customer ${r.customer_id} within ${anomalyRules.splitWindowMinutes} minutes totalling ${money(total, r.currency)}, more than the ${money(cap, r.currency)} ${aRole(r.role)} may give in one gesture.`,
    };
  });
}

interface PairRow {
  employee_id: string;
  customer_id: string;
  store_id: string;
  currency: string;
  n: string;
  of_n: string;
  total: string;
  ids: string[];
  amounts: string[];
  window_start: Date;
  window_end: Date;
}

async function favouredCustomers(query: Query, t: FinanceTables, period: FinancePeriod): Promise<AnomalyFlag[]> {
  const rows = await query<PairRow>(
    `with requests as (${requestsSql(t)}),
     pairs as (
       select employee_id, customer_id, currency, min(store_id) as store_id, count(*) as n, sum(amount_minor) as total,
              (array_agg(gesture_id order by seq))[1:${max}] as ids, (array_agg(amount_minor::text order by seq))[1:${max}] as amounts,
              min(occurred_at) as window_start, max(occurred_at) as window_end
         from requests group by employee_id, customer_id, currency
     ),
     employees as (select employee_id, count(*) as n from requests group by employee_id)
     select p.employee_id, p.customer_id, p.store_id, p.currency, p.n::text, e.n::text as of_n, p.total::text, p.ids, p.amounts, p.window_start, p.window_end
       from pairs p join employees e on e.employee_id = p.employee_id
      where p.n >= $4 and p.n * 100 >= e.n * $5
      order by p.employee_id, p.customer_id, p.currency`,
    [...periodParams(period), anomalyRules.favouredGesturesMin, anomalyRules.favouredSharePercentMin],
  );
  return rows.map((r) => {
    const n = Number(r.n);
    const ofN = Number(r.of_n);
    const total = minorFromSql(r.total);
    const share = Math.floor((n * 100) / ofN);
    return {
      kind: 'favoured_customer',
      employeeId: r.employee_id,
      customerId: r.customer_id,
      storeId: r.store_id,
      currency: r.currency,
      evidence: { gestureIds: r.ids, amountsMinor: r.amounts.map(Number), totalMinor: total, windowStart: iso(r.window_start), windowEnd: iso(r.window_end), referenceMinor: null, counts: { gestures: n, employeeGestures: ofN, sharePercent: share } },
      why: `${r.employee_id} made ${n} of their ${ofN} gestures (${share}%) in the period to the same customer ${r.customer_id}, worth ${money(total, r.currency)} in all.`,
    };
  });
}

interface NearRow {
  employee_id: string;
  store_id: string;
  currency: string;
  role: string;
  n: string;
  near_n: string;
  threshold: string;
  total: string;
  ids: string[];
  amounts: string[];
  window_start: Date;
  window_end: Date;
}

async function justUnderThreshold(query: Query, t: FinanceTables, period: FinancePeriod): Promise<AnomalyFlag[]> {
  const rows = await query<NearRow>(
    `with requests as (${requestsSql(t)}),
     marked as (select *, threshold is not null and amount_minor <= threshold and amount_minor * 100 >= threshold * (100 - $4) as near from requests),
     employees as (
       select employee_id, currency, min(store_id) as store_id, count(*) as n, count(*) filter (where near) as near_n,
              -- The limit named is the highest one a near amount sat under, with the role that had it (a promotion in the period changes both).
              max(threshold) filter (where near) as threshold, (array_agg(role order by threshold desc, seq) filter (where near))[1] as role,
              sum(amount_minor) filter (where near) as total,
              (array_agg(gesture_id order by seq) filter (where near))[1:${max}] as ids,
              (array_agg(amount_minor::text order by seq) filter (where near))[1:${max}] as amounts,
              min(occurred_at) filter (where near) as window_start, max(occurred_at) filter (where near) as window_end
         from marked group by employee_id, currency
     )
     select employee_id, store_id, currency, role, n::text, near_n::text, threshold::text, total::text, ids, amounts, window_start, window_end
       from employees where near_n >= $5 and near_n * 100 >= n * $6
      order by employee_id, currency`,
    [...periodParams(period), anomalyRules.nearThresholdBandPercent, anomalyRules.nearThresholdGesturesMin, anomalyRules.nearThresholdSharePercentMin],
  );
  return rows.map((r) => {
    const n = Number(r.n);
    const near = Number(r.near_n);
    const threshold = minorFromSql(r.threshold);
    return {
      kind: 'just_under_threshold',
      employeeId: r.employee_id,
      customerId: null,
      storeId: r.store_id,
      currency: r.currency,
      evidence: { gestureIds: r.ids, amountsMinor: r.amounts.map(Number), totalMinor: minorFromSql(r.total), windowStart: iso(r.window_start), windowEnd: iso(r.window_end), referenceMinor: threshold, counts: { gesturesNearThreshold: near, employeeGestures: n } },
      why: `${near} of ${r.employee_id}'s ${n} gestures in the period were within ${anomalyRules.nearThresholdBandPercent}% below the ${money(threshold, r.currency)} ${aRole(r.role)} may give without approval.`,
    };
  });
}

interface PeerRow {
  employee_id: string;
  store_id: string;
  currency: string;
  spent: string;
  median: string;
  employees: string;
  ids: string[];
  amounts: string[];
  window_start: Date;
  window_end: Date;
}

async function peerOutliers(query: Query, t: FinanceTables, period: FinancePeriod): Promise<AnomalyFlag[]> {
  const rows = await query<PeerRow>(
    `with posted as (
       select * from ${t.journal} j
        where j.posted_minor <> 0 and j.occurred_at >= $1 and j.occurred_at < $2 and ($3::timestamptz is null or j.recorded_at <= $3)
     ),
     spenders as (
       select store_id, employee_id, currency, sum(posted_minor) as spent, min(occurred_at) as window_start, max(occurred_at) as window_end
         from posted group by store_id, employee_id, currency having sum(posted_minor) > 0
     ),
     stores as (
       select store_id, currency, percentile_disc(0.5) within group (order by spent) as median, count(*) as employees
         from spenders group by store_id, currency
     )
     select s.employee_id, s.store_id, s.currency, s.spent::text, st.median::text, st.employees::text, s.window_start, s.window_end,
            top.ids, top.amounts
       from spenders s join stores st on st.store_id = s.store_id and st.currency = s.currency
       cross join lateral (
         select array_agg(x.gesture_id order by x.posted_minor desc, x.seq) as ids, array_agg(x.posted_minor::text order by x.posted_minor desc, x.seq) as amounts
           from (select gesture_id, posted_minor, seq from posted p
                  where p.employee_id = s.employee_id and p.store_id = s.store_id and p.currency = s.currency and p.posted_minor > 0
                  order by posted_minor desc, seq limit ${max}) x
       ) top
      where st.employees >= $4 and s.spent > st.median * $5
      order by s.store_id, s.employee_id, s.currency`,
    [...periodParams(period), anomalyRules.peerEmployeesMin, anomalyRules.peerSpendFactor],
  );
  return rows.map((r) => {
    const spent = minorFromSql(r.spent);
    const median = minorFromSql(r.median);
    const employees = Number(r.employees);
    return {
      kind: 'peer_outlier',
      employeeId: r.employee_id,
      customerId: null,
      storeId: r.store_id,
      currency: r.currency,
      evidence: { gestureIds: r.ids ?? [], amountsMinor: (r.amounts ?? []).map(Number), totalMinor: spent, windowStart: iso(r.window_start), windowEnd: iso(r.window_end), referenceMinor: median, counts: { storeEmployees: employees } },
      why: `${r.employee_id} spent ${money(spent, r.currency)} at ${r.store_id} in the period, more than ${anomalyRules.peerSpendFactor} times the store's median of ${money(median, r.currency)} across ${employees} employees.`,
    };
  });
}

function iso(value: Date | string | null): string | null {
  return value === null ? null : (value instanceof Date ? value : new Date(value)).toISOString();
}

/** A role as a reader says it: "an associate", "a senior associate". */
function aRole(role: string): string {
  const words = role.replace(/_/g, ' ');
  return `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;
}
