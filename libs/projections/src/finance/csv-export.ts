import type { Query } from '../projection.js';
import { financeTables } from './finance-tables.js';
import { SqlParams } from './sql-params.js';
import type { FinancePeriod } from './gesture-lines.js';
import { isoOf } from './gesture-lines.js';
import { decimalOf } from './minor-units.js';
import { gestureReasonSql, storeLocalTimeSql } from './spend.js';

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled. Null is an empty field. */
export function csvField(value: string | number | null): string {
  if (value === null) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * Text a caller chose: a leading =, +, - or @ would make a spreadsheet evaluate it as a formula
 * (CSV injection), so such text gets a leading apostrophe. Amounts, enums, hashes and party ids (which
 * the edge holds to a letter or digit first) never go through this.
 */
export function spreadsheetSafeText(text: string | null): string | null {
  return text !== null && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export function csvRecord(values: ReadonlyArray<string | number | null>): string {
  return `${values.map(csvField).join(',')}\r\n`;
}

export const exportColumns = [
  'seq',
  'recorded_at',
  'occurred_at',
  'business_date',
  'kind',
  'gesture_id',
  'employee_id',
  'customer_id',
  'gesture_type',
  'store_id',
  'region',
  'channel',
  'reason_code',
  'gesture_reason_code',
  'note',
  'policy_version',
  'actor_id',
  'approver_id',
  'currency',
  'amount_minor',
  'posted_minor',
  'reserved_minor',
  'posted',
  'hash',
] as const;

interface ExportRow {
  seq: string;
  recorded_at: Date | string;
  occurred_at: Date | string;
  business_date: string;
  kind: string;
  gesture_id: string;
  employee_id: string;
  customer_id: string;
  gesture_type: string;
  store_id: string;
  region: string | null;
  channel: string;
  reason_code: string | null;
  gesture_reason_code: string | null;
  note: string | null;
  policy_version: number;
  actor_id: string;
  approver_id: string | null;
  currency: string;
  amount_minor: string;
  posted_minor: string;
  reserved_minor: string;
  hash: string;
}

export const exportPageRowsDefault = 1_000;

/**
 * The journal entries that occurred in the period and were known at `asOf`, as CSV text chunks: a
 * header, then one chunk per keyset page. Only one page is ever in memory, so a year streams in flat
 * memory. `posted_minor` sums to exactly the spend report's posted total for the same period, and each
 * entry carries what spend groups it by (its store's local date, the gesture's reason), so every row
 * of the report can be rebuilt from the export.
 */
export async function* journalCsv(query: Query, schema: string, period: FinancePeriod, pageRows = exportPageRowsDefault): AsyncGenerator<string> {
  const t = financeTables(schema);
  yield csvRecord(exportColumns);
  let after = 0;
  for (;;) {
    const p = new SqlParams();
    const where = [`e.seq > ${p.bind(after)}`, `e.occurred_at >= ${p.bind(period.from)}`, `e.occurred_at < ${p.bind(period.to)}`];
    if (period.asOf !== null) where.push(`e.recorded_at <= ${p.bind(period.asOf)}`);
    const rows = await query<ExportRow>(
      `select e.seq::text, e.recorded_at, e.occurred_at, to_char(${storeLocalTimeSql}, 'YYYY-MM-DD') as business_date, e.kind, e.gesture_id,
              e.employee_id, e.customer_id, e.gesture_type, e.store_id, st.region, e.channel, e.reason_code, ${gestureReasonSql(t.journal)} as gesture_reason_code,
              e.note, e.policy_version, e.actor_id, e.approver_id, e.currency, e.amount_minor::text, e.posted_minor::text, e.reserved_minor::text, e.hash
         from ${t.journal} e left join ${t.policyStore} st on st.policy_version = e.policy_version and st.store_id = e.store_id
        where ${where.join(' and ')}
        order by e.seq
        limit ${p.bind(pageRows)}`,
      p.values,
    );
    if (rows.length > 0) yield rows.map(exportRecord).join('');
    if (rows.length < pageRows) return;
    after = Number(rows[rows.length - 1]!.seq);
  }
}

function exportRecord(r: ExportRow): string {
  return csvRecord([
    r.seq,
    isoOf(r.recorded_at),
    isoOf(r.occurred_at),
    r.business_date,
    r.kind,
    r.gesture_id,
    r.employee_id,
    r.customer_id,
    r.gesture_type,
    r.store_id,
    // Regions are named freely in the policy, actor ids are token subjects of any shape: text, not party ids.
    spreadsheetSafeText(r.region),
    r.channel,
    spreadsheetSafeText(r.reason_code),
    spreadsheetSafeText(r.gesture_reason_code),
    spreadsheetSafeText(r.note),
    Number(r.policy_version),
    spreadsheetSafeText(r.actor_id),
    spreadsheetSafeText(r.approver_id),
    r.currency,
    r.amount_minor,
    r.posted_minor,
    r.reserved_minor,
    decimalOf(BigInt(r.posted_minor), r.currency),
    r.hash,
  ]);
}
