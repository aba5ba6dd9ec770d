import { partyIdPattern } from '#ledger';
import { validationFailed, type FieldError } from '#http';

/** Query-string and path checks of the query API: a bad value is a 400 naming the field and why. */

const periodKeyPattern = /^\d{4}-(?:\d{2}(?:-\d{2})?|W\d{2})$/;
const isoDatePattern = /^\d{4}-\d{2}-\d{2}$/;

export function checked<T>(errors: FieldError[], value: T): T {
  if (errors.length > 0) throw validationFailed(errors);
  return value;
}

export function partyId(field: string, value: string, errors: FieldError[]): string {
  if (!partyIdPattern.test(value)) errors.push({ field, reasons: [`${field} must be 1-64 characters of letters, digits, _ . : @ -`] });
  return value;
}

export function optionalPeriodKey(value: string | undefined, errors: FieldError[]): string | null {
  if (value === undefined || value === '') return null;
  if (!periodKeyPattern.test(value)) errors.push({ field: 'period', reasons: ['period must be a day (2026-11-23), an ISO week (2026-W48) or a month (2026-11)'] });
  return value;
}

export function optionalIsoDate(field: string, value: string | undefined, errors: FieldError[]): string | null {
  if (value === undefined || value === '') return null;
  if (!isoDatePattern.test(value) || Number.isNaN(Date.parse(`${value}T00:00:00Z`))) errors.push({ field, reasons: [`${field} must be an ISO date (YYYY-MM-DD)`] });
  return value;
}

export function boundedInteger(field: string, value: string | undefined, fallback: number, max: number, errors: FieldError[]): number {
  if (value === undefined || value === '') return fallback;
  const n = /^\d{1,6}$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > max) errors.push({ field, reasons: [`${field} must be an integer from 1 to ${max}`] });
  return n;
}
