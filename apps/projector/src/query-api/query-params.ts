import { isIsoDate, isPeriodKey } from '#domain';
import { partyIdPattern, partyIdRule } from '#ledger';
import { validationFailed, type FieldError, type QueryCheck } from '#http';

/** Query-string and path checks of the query API: a bad value is a 400 naming the field and why. */

export function checked<T>(errors: FieldError[], value: T): T {
  if (errors.length > 0) throw validationFailed(errors);
  return value;
}

/** A request's query values, as Nest hands them over. */
export type QueryValues = Readonly<Record<string, string | undefined>>;

/** A handler's reading of its query values as a `QueryCheck`: the errors it would name. */
export function queryCheck(read: (query: QueryValues, errors: FieldError[]) => unknown): QueryCheck {
  return (query) => {
    const errors: FieldError[] = [];
    read(query, errors);
    return errors;
  };
}

export function partyId(field: string, value: string, errors: FieldError[]): string {
  if (!partyIdPattern.test(value)) errors.push({ field, reasons: [`${field} must be ${partyIdRule}`] });
  return value;
}

export function optionalPeriodKey(value: string | undefined, errors: FieldError[], field = 'period'): string | null {
  if (value === undefined || value === '') return null;
  if (!isPeriodKey(value)) errors.push({ field, reasons: [`${field} must be a day (2026-11-23), an ISO week (2026-W48) or a month (2026-11) that exists`] });
  return value;
}

/** A page of periods starts after the last one seen: its end date (`before`) and, to tell apart periods ending that day, its key. */
export function periodCursor(before: string | undefined, beforePeriod: string | undefined, errors: FieldError[]): { before: string | null; beforePeriod: string | null } {
  const cursor = { before: optionalIsoDate('before', before, errors), beforePeriod: optionalPeriodKey(beforePeriod, errors, 'beforePeriod') };
  if (cursor.beforePeriod !== null && cursor.before === null && !errors.some((e) => e.field === 'before')) {
    errors.push({ field: 'beforePeriod', reasons: ['beforePeriod goes with before, the endsOn of the same period'] });
  }
  return cursor;
}

export function optionalIsoDate(field: string, value: string | undefined, errors: FieldError[]): string | null {
  if (value === undefined || value === '') return null;
  // A date that reads back as itself: Date.parse would roll 2026-02-31 over to March 3, and PostgreSQL refuses it.
  if (!isIsoDate(value)) errors.push({ field, reasons: [`${field} must be an ISO date (YYYY-MM-DD) that exists`] });
  return value;
}

export function boundedInteger(field: string, value: string | undefined, fallback: number, max: number, errors: FieldError[]): number {
  if (value === undefined || value === '') return fallback;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) errors.push({ field, reasons: [`${field} must be an integer from 1 to ${max}`] });
  return n;
}
