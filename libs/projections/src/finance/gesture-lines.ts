import type { Query } from '../projection.js';
import { financeTables } from './finance-tables.js';
import { SqlParams } from './sql-params.js';

/**
 * A half-open period [from, to) of occurrence, and the moment whose knowledge to show: only entries
 * recorded at or before `asOf` count (null: everything recorded so far). Instants are ISO text.
 */
export interface FinancePeriod {
  from: string;
  to: string;
  asOf: string | null;
}

export const gestureOutcomes = ['granted', 'pending', 'approved', 'denied', 'expired', 'reversed', 'refused'] as const;
export type GestureOutcomeName = (typeof gestureOutcomes)[number];

/** One gesture as a ledger line: its opening facts and what its later entries made of it. */
export interface GestureLine {
  lineSeq: number;
  gestureId: string;
  employeeId: string;
  customerId: string;
  gestureType: string;
  amountAskedMinor: number;
  currency: string;
  reasonCode: string | null;
  note: string | null;
  channel: string;
  storeId: string;
  policyVersion: number;
  occurredAt: string;
  recordedAt: string;
  outcome: GestureOutcomeName;
  approverId: string | null;
  /** Net posted spend: granted or approved, less reversed. */
  postedMinor: number;
  /** Still reserved, awaiting a decision. */
  reservedMinor: number;
}

export interface GestureLinePage {
  lines: GestureLine[];
  /** Pass back as `cursor` for the next page; null at the end. */
  nextCursor: string | null;
}

export interface GestureLineFilter extends FinancePeriod {
  storeId: string | null;
  employeeId: string | null;
  /** The last `lineSeq` of the previous page. */
  afterSeq: number;
  limit: number;
}

const outcomeOfKind: Record<string, GestureOutcomeName> = {
  granted: 'granted',
  escalated: 'pending',
  approved: 'approved',
  denied: 'denied',
  expired: 'expired',
  reversed: 'reversed',
  refused: 'refused',
};

interface GestureLineRow {
  line_seq: string;
  gesture_id: string;
  employee_id: string;
  customer_id: string;
  gesture_type: string;
  amount_minor: string;
  currency: string;
  reason_code: string | null;
  note: string | null;
  channel: string;
  store_id: string;
  policy_version: number;
  occurred_at: Date | string;
  recorded_at: Date | string;
  last_kind: string;
  approver_id: string | null;
  posted_minor: string;
  reserved_minor: string;
}

/**
 * Gestures opened in the period (by the opening entry's occurrence), oldest first, each folded from its
 * entries known as of `asOf`. Keyset-paged on the opening entry's sequence number.
 */
export async function gestureLines(query: Query, schema: string, filter: GestureLineFilter): Promise<GestureLinePage> {
  const t = financeTables(schema);
  const p = new SqlParams();
  const opening = [`f.kind in ('granted', 'escalated', 'refused')`, `f.seq > ${p.bind(filter.afterSeq)}`, `f.occurred_at >= ${p.bind(filter.from)}`, `f.occurred_at < ${p.bind(filter.to)}`];
  const known = filter.asOf === null ? '' : `and e.recorded_at <= ${p.bind(filter.asOf)}`;
  if (filter.asOf !== null) opening.push(`f.recorded_at <= $${p.values.length}`);
  if (filter.storeId !== null) opening.push(`f.store_id = ${p.bind(filter.storeId)}`);
  if (filter.employeeId !== null) opening.push(`f.employee_id = ${p.bind(filter.employeeId)}`);
  // The page of opening entries is taken first, so only its gestures are folded.
  const rows = await query<GestureLineRow>(
    `select f.seq::text as line_seq, f.gesture_id, f.employee_id, f.customer_id, f.gesture_type, f.amount_minor::text, f.currency, f.reason_code,
            f.note, f.channel, f.store_id, f.policy_version, f.occurred_at, f.recorded_at,
            g.last_kind, g.approver_id, g.posted_minor::text, g.reserved_minor::text
       from (select * from ${t.journal} f where ${opening.join(' and ')} order by f.seq limit ${p.bind(filter.limit)}) f
       cross join lateral (
         select (array_agg(e.kind order by e.seq desc))[1] as last_kind,
                (array_agg(e.approver_id order by e.seq desc) filter (where e.approver_id is not null))[1] as approver_id,
                sum(e.posted_minor) as posted_minor, sum(e.reserved_minor) as reserved_minor
           from ${t.journal} e
          where e.gesture_id = f.gesture_id and e.seq >= f.seq ${known}
       ) g
      order by f.seq`,
    p.values,
  );
  const lines = rows.map(toGestureLine);
  return { lines, nextCursor: rows.length === filter.limit ? String(lines[lines.length - 1]!.lineSeq) : null };
}

function toGestureLine(r: GestureLineRow): GestureLine {
  return {
    lineSeq: Number(r.line_seq),
    gestureId: r.gesture_id,
    employeeId: r.employee_id,
    customerId: r.customer_id,
    gestureType: r.gesture_type,
    amountAskedMinor: Number(r.amount_minor),
    currency: r.currency,
    reasonCode: r.reason_code,
    note: r.note,
    channel: r.channel,
    storeId: r.store_id,
    policyVersion: Number(r.policy_version),
    occurredAt: isoOf(r.occurred_at),
    recordedAt: isoOf(r.recorded_at),
    outcome: outcomeOfKind[r.last_kind] ?? 'refused',
    approverId: r.approver_id,
    postedMinor: Number(r.posted_minor),
    reservedMinor: Number(r.reserved_minor),
  };
}

/** `pg` and PGlite both hand timestamptz back as Date; text is accepted for safety. */
export function isoOf(value: Date | string): string {
  return (value instanceof Date ? value : new Date(value)).toISOString();
}
