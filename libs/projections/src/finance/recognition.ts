import type { Query } from '../projection.js';
import { financeTables } from './finance-tables.js';
import type { FinancePeriod } from './gesture-lines.js';

export interface RecognitionCounts {
  compliments: number;
  complaints: number;
  csatCount: number;
  /** Average CSAT score in hundredths (437 = 4.37), rounded half up; null without any answer. */
  csatAverageHundredths: number | null;
  /** Distinct gestures that received any feedback. */
  gesturesWithFeedback: number;
  /** Gestures the employee made in the period, so praise can be read against discretion used. */
  gesturesMade: number;
}

export interface EmployeeRecognition extends RecognitionCounts {
  employeeId: string;
  storeId: string;
}

export interface RecognitionReport {
  employees: EmployeeRecognition[];
  stores: Array<RecognitionCounts & { storeId: string }>;
}

export interface RecognitionFilter extends FinancePeriod {
  storeId: string | null;
  employeeId: string | null;
}

interface Row {
  employee_id: string;
  store_id: string;
  compliments: string;
  complaints: string;
  csat_count: string;
  csat_sum: string | null;
  gestures_with_feedback: string;
  gestures_made: string;
}

/**
 * Feedback about employees (by the feedback's occurrence in the period, known at `asOf`) per employee
 * and store. The store is where the gesture the feedback is about happened, else the employee's home when
 * the feedback was recorded.
 */
export async function recognitionReport(query: Query, schema: string, filter: RecognitionFilter): Promise<RecognitionReport> {
  const t = financeTables(schema);
  const rows = await query<Row>(
    `with feedback as (
       select f.employee_id, coalesce(g.store_id, emp.store_id, '(unknown)') as store_id, f.kind, f.score, f.gesture_id
         from ${t.feedback} f
         left join lateral (select j.store_id from ${t.journal} j where j.gesture_id = f.gesture_id order by j.seq limit 1) g on true
         left join lateral (select en.store_id from ${t.enrolment} en where en.employee_id = f.employee_id and en.recorded_at <= f.recorded_at
                             order by en.recorded_at desc limit 1) emp on true
        where f.employee_id is not null and f.occurred_at >= $1 and f.occurred_at < $2 and ($3::timestamptz is null or f.recorded_at <= $3)
     ),
     praise as (
       select employee_id, store_id,
              count(*) filter (where kind = 'compliment') as compliments, count(*) filter (where kind = 'complaint') as complaints,
              count(score) filter (where kind = 'csat') as csat_count, sum(score) filter (where kind = 'csat') as csat_sum,
              count(distinct gesture_id) as gestures_with_feedback
         from feedback
        where ($4::text is null or store_id = $4) and ($5::text is null or employee_id = $5)
        group by employee_id, store_id
     ),
     made as (
       select employee_id, store_id, count(*) as gestures_made from ${t.journal} j
        where j.kind in ('granted', 'escalated') and j.occurred_at >= $1 and j.occurred_at < $2 and ($3::timestamptz is null or j.recorded_at <= $3)
          and ($4::text is null or j.store_id = $4) and ($5::text is null or j.employee_id = $5)
        group by employee_id, store_id
     )
     select coalesce(p.employee_id, m.employee_id) as employee_id, coalesce(p.store_id, m.store_id) as store_id,
            coalesce(p.compliments, 0)::text as compliments, coalesce(p.complaints, 0)::text as complaints,
            coalesce(p.csat_count, 0)::text as csat_count, p.csat_sum::text as csat_sum,
            coalesce(p.gestures_with_feedback, 0)::text as gestures_with_feedback, coalesce(m.gestures_made, 0)::text as gestures_made
       from praise p full join made m on m.employee_id = p.employee_id and m.store_id = p.store_id
      order by 2, 1`,
    [filter.from, filter.to, filter.asOf, filter.storeId, filter.employeeId],
  );
  const employees = rows.map((r) => {
    const csatSum = Number(r.csat_sum ?? 0);
    const csatCount = Number(r.csat_count);
    return {
      employeeId: r.employee_id,
      storeId: r.store_id,
      compliments: Number(r.compliments),
      complaints: Number(r.complaints),
      csatCount,
      csatAverageHundredths: averageHundredths(csatSum, csatCount),
      gesturesWithFeedback: Number(r.gestures_with_feedback),
      gesturesMade: Number(r.gestures_made),
      csatSum,
    };
  });
  return { employees: employees.map(({ csatSum: _sum, ...e }) => e), stores: storeTotals(employees) };
}

/** Integer arithmetic only: (sum × 100 / count) rounded half up. */
export function averageHundredths(sum: number, count: number): number | null {
  if (count === 0) return null;
  return Math.floor((sum * 200 + count) / (2 * count));
}

function storeTotals(employees: Array<EmployeeRecognition & { csatSum: number }>): RecognitionReport['stores'] {
  const stores = new Map<string, RecognitionCounts & { storeId: string; csatSum: number }>();
  for (const e of employees) {
    const s = stores.get(e.storeId) ?? { storeId: e.storeId, compliments: 0, complaints: 0, csatCount: 0, csatAverageHundredths: null, gesturesWithFeedback: 0, gesturesMade: 0, csatSum: 0 };
    s.compliments += e.compliments;
    s.complaints += e.complaints;
    s.csatCount += e.csatCount;
    s.csatSum += e.csatSum;
    s.gesturesWithFeedback += e.gesturesWithFeedback;
    s.gesturesMade += e.gesturesMade;
    stores.set(e.storeId, s);
  }
  return [...stores.values()].map(({ csatSum, ...s }) => ({ ...s, csatAverageHundredths: averageHundredths(csatSum, s.csatCount) }));
}
