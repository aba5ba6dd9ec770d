import { mayApprove, periodAt, periodKinds, staffRoles, type StaffRole } from '#domain';
import type { SqlDriver } from '#event-store';
import { assertSchemaName, liveSchema } from '../sql-names.js';
import type { BudgetPeriodView, BudgetView, Customer360View, EmployeeView, GestureCounts, LoyaltyStandingView, QueueItemView, WindowedCounts } from './views.js';

export interface ReadModelLimits {
  /** Periods listed per page at most. */
  periodsPageMax: number;
  /** Escalations in a supervisor's queue page at most. */
  queuePageMax: number;
  /** Gestures of the customer shown beside each escalation. */
  customerHistoryMax: number;
}

export const defaultReadModelLimits: ReadModelLimits = { periodsPageMax: 100, queuePageMax: 200, customerHistoryMax: 5 };

const day = 86_400_000;

/**
 * The read side's SQL, over the live schema. Each query answers with one JSON value built by PostgreSQL,
 * so `pg` and PGlite return identical shapes and minor units arrive as plain integers.
 */
export class ReadModels {
  private readonly s: string;
  readonly limits: ReadModelLimits;

  constructor(
    private readonly db: SqlDriver,
    options: { schema?: string; limits?: Partial<ReadModelLimits> } = {},
  ) {
    this.s = assertSchemaName(options.schema ?? liveSchema);
    this.limits = { ...defaultReadModelLimits, ...options.limits };
  }

  async employee(employeeId: string): Promise<EmployeeView | null> {
    return this.one<EmployeeView>(
      `select json_build_object('employeeId', employee_id, 'role', role, 'storeId', store_id, 'timeZone', time_zone, 'currency', currency,
         'allowanceOverrideMinor', allowance_override_minor, 'enrolledAt', enrolled_at) as v
       from ${this.s}.budget_employees where employee_id = $1`,
      [employeeId],
    );
  }

  /**
   * One period of an employee's budget: the named one; else the current one, which a gesture made `now` would
   * be charged to, as that gesture would open it (its whole allowance, nothing spent) while it has no activity
   * yet, so a till shows today's headroom before the first gesture of the day. Only when the read models know
   * no policy for the role, the one touched last. Null when there is none.
   * (Not the one ending last: after a change of role the old role's week or month outlasts today.)
   */
  async budget(employee: EmployeeView, periodKey: string | null, now: Date = new Date()): Promise<BudgetView> {
    const rule = periodKey === null ? await this.one<RoleRule>(`select ${this.roleRuleJson('$1', '$2')} as v`, [employee.role, employee.storeId]) : null;
    const current = periodKey === null ? currentPeriod(employee, now, rule) : null;
    const period = await this.one<BudgetPeriodView>(
      `select ${this.periodJson('p', '$3')} as v from ${this.s}.budget_periods p
        where p.employee_id = $1 and ($2::text is null or p.period_key = $2)
        order by p.log_commit desc, p.log_prepare desc limit 1`,
      [employee.employeeId, periodKey ?? current?.periodKey ?? null, now.toISOString()],
    );
    return { employee, period: period ?? current };
  }

  /**
   * The latest policy's rule for a role, and the time zone it gives a store, as one JSON value (null when the
   * read models know no policy for the role): what `currentPeriod` needs.
   */
  private roleRuleJson(roleParam: string, storeParam: string): string {
    return `(select json_build_object('periodKind', r.period_kind, 'allowanceMinor', r.allowance_minor, 'currency', r.currency,
               'timeZone', (select time_zone from ${this.s}.customer_store_zones where store_id = ${storeParam} order by policy_version desc limit 1))
          from ${this.s}.budget_role_periods r where r.role = ${roleParam} order by r.policy_version desc limit 1)`;
  }

  /**
   * Past and current periods, newest first (by end date, then key): those after the page's cursor when given,
   * `before` and `beforePeriod` being the endsOn and periodKey of the last period seen. `before` alone (the
   * older form) takes those ending before that date, so it passes over periods ending the same day as the
   * last one seen, as two do after a change of role. The current period is among them before its first
   * gesture too, as `budget` shows it.
   */
  async budgetPeriods(employee: EmployeeView, page: { limit: number; before: string | null; beforePeriod?: string | null }, now: Date = new Date()): Promise<BudgetPeriodView[]> {
    const limit = Math.min(Math.max(1, page.limit), this.limits.periodsPageMax);
    // One round trip: the stored page and the role's rule for the current period.
    const answer = await this.one<{ stored: BudgetPeriodView[]; rule: RoleRule | null }>(
      `select json_build_object('stored', ${this.storedPeriodsJson()}, 'rule', ${this.roleRuleJson('$6', '$7')}) as v`,
      [employee.employeeId, page.before, limit, now.toISOString(), page.beforePeriod ?? null, employee.role, employee.storeId],
    );
    const stored = answer?.stored ?? [];
    const current = currentPeriod(employee, now, answer?.rule ?? null);
    if (current === null || stored.some((p) => p.periodKey === current.periodKey) || !afterCursor(current, page)) return stored;
    // Unless a later page holds it: a full page whose last period comes before it on the list.
    if (stored.length === limit && !comesBefore(current, stored[stored.length - 1]!)) return stored;
    return [...stored, current].sort((a, b) => (comesBefore(a, b) ? -1 : 1)).slice(0, limit);
  }

  /**
   * A page of stored periods as one JSON array: $1 employee, $2/$5 the cursor (`before`, `beforePeriod`),
   * $3 the page size, $4 now.
   */
  private storedPeriodsJson(): string {
    // A period without an end date sorts last, as the earliest date there is.
    const endsOn = `coalesce(p.ends_on, '-infinity'::date)`;
    return `(select coalesce(json_agg(v order by n), '[]'::json) from (
           select row_number() over (order by ${endsOn} desc, p.period_key desc) as n, ${this.periodJson('p', '$4')} as v
             from ${this.s}.budget_periods p
            where p.employee_id = $1
              and ($2::date is null or ${endsOn} < $2::date or ($5::text is not null and ${endsOn} = $2::date and p.period_key < $5::text))
            order by ${endsOn} desc, p.period_key desc limit $3) q)`;
  }

  /**
   * Escalations an approver may decide, oldest first: of employees whose home store is `storeId` (every
   * store for head office, `null`), addressed to the approver's role or one below it, never their own;
   * each with the customer's standing and latest gestures beside it. Escalations past their expiry are left
   * out: the domain refuses to decide them, whether or not the expiry job has recorded them expired yet.
   */
  async supervisorQueue(approver: { employeeId: string; role: StaffRole; storeId: string | null }, limit: number, now: Date = new Date()): Promise<QueueItemView[]> {
    const roles = staffRoles.filter((r) => mayApprove(approver.role, r));
    const history = this.limits.customerHistoryMax;
    return (
      (await this.one<QueueItemView[]>(
        `select coalesce(json_agg(v order by n), '[]'::json) as v from (
           select row_number() over (order by e.escalated_at, e.gesture_id) as n, json_build_object(
             'gestureId', e.gesture_id, 'reservationId', e.reservation_id, 'employeeId', e.employee_id, 'employeeStoreId', emp.store_id,
             'customerId', e.customer_id, 'gestureType', e.gesture_type, 'storeId', e.store_id, 'channel', e.channel,
             'periodKey', e.period_key, 'reserved', json_build_object('amountMinor', e.reserved_minor, 'currency', e.currency),
             'points', e.points, 'approverRole', e.approver_role, 'reasonCode', e.reason_code, 'note', e.note,
             'escalatedAt', e.escalated_at, 'expiresAt', e.expires_at,
             'customer', json_build_object(
               'pointsBalance', coalesce(c.points_balance, 0), 'tier', c.tier, 'lastFeedback', c.last_feedback,
               'recentGestures', coalesce((select json_agg(h order by h.at desc) from (
                   select g.gesture_id as "gestureId", g.gesture_type as "gestureType", g.status, g.value_minor as "valueMinor",
                          g.currency, g.employee_id as "employeeId", g.store_id as "storeId", g.at
                     from ${this.s}.customer_gestures g
                    where g.customer_id = e.customer_id and g.gesture_id <> e.gesture_id
                    order by g.at desc limit ${history}) h), '[]'::json))) as v
             from ${this.s}.pending_escalations e
             join ${this.s}.budget_employees emp on emp.employee_id = e.employee_id
             left join ${this.s}.customers c on c.customer_id = e.customer_id
            where ($1::text is null or emp.store_id = $1)
              and e.approver_role in (select json_array_elements_text($2::json))
              and e.employee_id <> $3 and ${stillDecidable('e', '$5')}
            order by e.escalated_at, e.gesture_id limit $4) q`,
        [approver.storeId, JSON.stringify(roles), approver.employeeId, Math.min(Math.max(1, limit), this.limits.queuePageMax), now.toISOString()],
      )) ?? []
    );
  }

  /**
   * Null when the read models know nothing of the customer. The twelve months' spend is the figure the loyalty
   * domain last re-tiered the customer from (their months ending with the one it re-tiered as of), so it
   * always stands beside the tier it earned, however long ago that was.
   */
  async customer360(customerId: string, now: Date): Promise<Customer360View | null> {
    const since = (days: number) => new Date(now.getTime() - days * day).toISOString();
    const raw = await this.one<RawCustomer360>(
      // The domain re-tiers as of a month never before the latest one with spend (a store still in the month
      // before does not take it back); a purchase that leaves the tier as it was records no month of its own.
      `with as_of as (
         select greatest(c.spend_as_of_month, (select max(m.month) from ${this.s}.customer_spend_months m where m.customer_id = $1)) as month
           from ${this.s}.customers c where c.customer_id = $1)
       select json_build_object(
         'customer', (select row_to_json(c) from ${this.s}.customers c where c.customer_id = $1),
         'spendAsOfMonth', (select month from as_of),
         'spend12mMinor', (select coalesce(sum(m.spend_minor), 0) from as_of a join ${this.s}.customer_spend_months m on m.customer_id = $1
             where m.month <= a.month and m.month >= to_char(to_date(a.month, 'YYYY-MM') - interval '11 months', 'YYYY-MM')),
         'byType', (select coalesce(json_agg(t order by t."gestureType", t.currency), '[]'::json) from (
             select g.gesture_type as "gestureType", g.currency,
                    count(*) filter (where g.occurred_at >= $2) as "count30d", coalesce(sum(g.value_minor) filter (where g.occurred_at >= $2), 0) as "value30dMinor",
                    count(*) filter (where g.occurred_at >= $3) as "count90d", coalesce(sum(g.value_minor) filter (where g.occurred_at >= $3), 0) as "value90dMinor",
                    count(*) as "count365d", coalesce(sum(g.value_minor), 0) as "value365dMinor"
               from ${this.s}.customer_gestures g
              where g.customer_id = $1 and g.status in ('granted', 'approved') and g.occurred_at >= $4
              group by g.gesture_type, g.currency) t),
         'anyGesture', exists (select 1 from ${this.s}.customer_gestures g where g.customer_id = $1),
         'openEscalations', (select coalesce(json_agg(json_build_object('gestureId', e.gesture_id, 'employeeId', e.employee_id, 'gestureType', e.gesture_type,
             'reserved', json_build_object('amountMinor', e.reserved_minor, 'currency', e.currency), 'approverRole', e.approver_role,
             'escalatedAt', e.escalated_at, 'expiresAt', e.expires_at) order by e.escalated_at), '[]'::json)
             from ${this.s}.pending_escalations e where e.customer_id = $1 and ${stillDecidable('e', '$5')})
       ) as v`,
      [customerId, since(30), since(90), since(365), now.toISOString()],
    );
    if (raw === null || (raw.customer === null && !raw.anyGesture)) return null;
    const c = raw.customer;
    return {
      customerId,
      currency: c?.currency ?? null,
      pointsBalance: c?.points_balance ?? 0,
      tier: c?.tier ?? null,
      lifetimeSpendMinor: c?.lifetime_spend_minor ?? 0,
      spend12mMinor: raw.spend12mMinor,
      spend12mAsOfMonth: raw.spendAsOfMonth,
      purchases: c?.purchases ?? 0,
      lastPurchaseAt: c?.last_purchase_at ?? null,
      gesturesReceived: { ...receivedTotals(raw.byType), byType: raw.byType },
      lastFeedback: c?.last_feedback ?? null,
      openEscalations: raw.openEscalations,
      asOf: now.toISOString(),
    };
  }

  /**
   * `now` is the parameter holding the time asked at. Reserved, remaining and the count of pending escalations
   * keep an expired escalation's reservation: the domain holds it until EscalationExpired releases it.
   */
  private periodJson(p: string, now: string): string {
    return `json_build_object('periodKey', ${p}.period_key, 'kind', ${p}.kind, 'endsOn', ${p}.ends_on, 'currency', ${p}.currency,
      'allowanceMinor', ${p}.allowance_minor, 'spentMinor', ${p}.spent_minor, 'reservedMinor', ${p}.reserved_minor,
      'remainingMinor', ${p}.allowance_minor - ${p}.spent_minor - ${p}.reserved_minor, 'pendingEscalations', ${p}.pending_escalations,
      'gesturesByType', coalesce((select json_agg(json_build_object('gestureType', g.gesture_type, 'givenCount', g.given_count, 'givenMinor', g.given_minor,
          'escalatedCount', g.escalated_count, 'refusedCount', g.refused_count, 'reversedCount', g.reversed_count) order by g.gesture_type)
        from ${this.s}.budget_period_gestures g where g.employee_id = ${p}.employee_id and g.period_key = ${p}.period_key), '[]'::json),
      'escalationsPending', coalesce((select json_agg(json_build_object('gestureId', e.gesture_id, 'customerId', e.customer_id, 'gestureType', e.gesture_type,
          'reservedMinor', e.reserved_minor, 'approverRole', e.approver_role, 'escalatedAt', e.escalated_at, 'expiresAt', e.expires_at) order by e.escalated_at)
        from ${this.s}.pending_escalations e where e.employee_id = ${p}.employee_id and e.period_key = ${p}.period_key and ${stillDecidable('e', now)}), '[]'::json))`;
  }

  /**
   * Customers with a points balance or a tier, in customer-id order after `after`: the ones a loyalty
   * expiry run has to look at (a customer with neither has nothing to expire or lose).
   */
  async customersWithLoyalty(page: { after: string | null; limit: number }): Promise<LoyaltyStandingView[]> {
    const rows = await this.db.query<{ customer_id: string; points_balance: string | number; tier: string | null }>(
      `select customer_id, points_balance, tier from ${this.s}.customers
        where (points_balance <> 0 or tier is not null) and ($1::text is null or customer_id > $1)
        order by customer_id limit $2`,
      [page.after, page.limit],
    );
    return rows.map((r) => ({ customerId: r.customer_id, pointsBalance: Number(r.points_balance), tier: r.tier }));
  }

  private async one<T>(text: string, params: unknown[]): Promise<T | null> {
    const rows = await this.db.query<{ v: T | string | null }>(text, params);
    const v = rows[0]?.v ?? null;
    // PGlite hands json back parsed, as `pg` does; a driver returning text is handled too.
    return (typeof v === 'string' ? JSON.parse(v) : v) as T | null;
  }
}

interface RoleRule {
  periodKind: string;
  allowanceMinor: number;
  currency: string;
  timeZone: string | null;
}

/**
 * As the domain places a gesture (`ledgerAt`): a period of the kind the latest policy gives the employee's
 * role, on the calendar the latest policy gives their store (a version may move a store to another zone; the
 * zone copied at enrolment is the fallback, as in the domain), opened with the employee's own allowance or
 * else the role's under that policy.
 */
function currentPeriod(employee: EmployeeView, now: Date, rule: RoleRule | null): BudgetPeriodView | null {
  const kind = periodKinds.find((k) => k === rule?.periodKind);
  if (rule === null || kind === undefined) return null;
  const period = periodAt(kind, now.getTime(), rule.timeZone ?? employee.timeZone);
  const allowanceMinor = employee.allowanceOverrideMinor ?? rule.allowanceMinor;
  return {
    periodKey: period.key,
    kind,
    endsOn: period.endsOn,
    currency: rule.currency,
    allowanceMinor,
    spentMinor: 0,
    reservedMinor: 0,
    remainingMinor: allowanceMinor,
    pendingEscalations: 0,
    gesturesByType: [],
    escalationsPending: [],
  };
}

interface RawCustomer360 {
  customer: {
    currency: string | null;
    points_balance: number;
    lifetime_spend_minor: number;
    purchases: number;
    last_purchase_at: string | null;
    tier: string | null;
    last_feedback: Customer360View['lastFeedback'];
  } | null;
  /** The month the twelve months' spend ends with, as the domain last re-tiered. */
  spendAsOfMonth: string | null;
  spend12mMinor: number;
  byType: Customer360View['gesturesReceived']['byType'];
  anyGesture: boolean;
  openEscalations: Customer360View['openEscalations'];
}

/** The list's order: later end date first (none as the earliest), then the greater key. */
function comesBefore(a: BudgetPeriodView, b: BudgetPeriodView): boolean {
  const aEnds = a.endsOn ?? '';
  const bEnds = b.endsOn ?? '';
  return aEnds !== bEnds ? aEnds > bEnds : a.periodKey > b.periodKey;
}

/** Whether a period comes after the page's cursor (all do without one), as the stored periods' query decides it. */
function afterCursor(p: BudgetPeriodView, page: { before: string | null; beforePeriod?: string | null }): boolean {
  if (page.before === null) return true;
  const ends = p.endsOn ?? '';
  return ends < page.before || (page.beforePeriod != null && ends === page.before && p.periodKey < page.beforePeriod);
}

const countKeys = ['count30d', 'count90d', 'count365d'] as const;
const windowKeys = [...countKeys, 'value30dMinor', 'value90dMinor', 'value365dMinor'] as const;

/** Counts add up across currencies; values only within their own currency. */
function receivedTotals(byType: readonly WindowedCounts[]): { total: GestureCounts; byCurrency: WindowedCounts[] } {
  const total: GestureCounts = { count30d: 0, count90d: 0, count365d: 0 };
  const byCurrency = new Map<string, WindowedCounts>();
  for (const t of byType) {
    for (const k of countKeys) total[k] += t[k];
    const sums = byCurrency.get(t.currency) ?? { currency: t.currency, count30d: 0, value30dMinor: 0, count90d: 0, value90dMinor: 0, count365d: 0, value365dMinor: 0 };
    for (const k of windowKeys) sums[k] += t[k];
    byCurrency.set(t.currency, sums);
  }
  return { total, byCurrency: [...byCurrency.values()].sort((a, b) => (a.currency < b.currency ? -1 : 1)) };
}

/**
 * An escalation an approver can still decide at `now` (a timestamptz parameter): the domain refuses a decision
 * recorded after `expiresAt`. The row stays until EscalationExpired is projected, which the expiry job may not
 * have run for (or never, with EXPIRE_ESCALATIONS=false).
 */
function stillDecidable(e: string, now: string): string {
  return `${e}.expires_at >= ${now}::timestamptz`;
}
