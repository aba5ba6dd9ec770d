import { dayNumber, formatDate, formatMonth, fromDayNumber, isIsoDate, localDateAt, type CivilDate } from './calendar.js';
import { limits } from '../limits.js';
import { unreachable } from '../assert.js';

export type PeriodKind = 'day' | 'week' | 'month';
export const periodKinds: readonly PeriodKind[] = ['day', 'week', 'month'];

/**
 * A budget period as the store sees it. `key` names it (`2026-11-23`, `2026-W48`, `2026-11`);
 * `endsOn` is its last local calendar day, which is what decides when it stops taking late uploads.
 */
export interface BudgetPeriod {
  readonly kind: PeriodKind;
  readonly key: string;
  readonly endsOn: string;
}

/** The period containing the instant `epochMs`, on the wall calendar of `timeZone`. */
export function periodAt(kind: PeriodKind, epochMs: number, timeZone: string): BudgetPeriod {
  const date = localDateAt(epochMs, timeZone);
  switch (kind) {
    case 'day':
      return { kind, key: formatDate(date), endsOn: formatDate(date) };
    case 'week':
      return isoWeekOf(date);
    case 'month':
      return monthOf(date);
    default:
      return unreachable(kind, 'period kind');
  }
}

/**
 * A key `periodAt` can give: a day that exists (2026-11-23), a month (2026-11), or an ISO week its year has
 * (2026-W48; W53 only in years with 53 weeks). Years 0001 to 9999, as instants are.
 */
export function isPeriodKey(text: string): boolean {
  if (isIsoDate(text)) return text >= '0001';
  const month = /^(\d{4})-(\d{2})$/.exec(text);
  if (month) return Number(month[1]) >= 1 && Number(month[2]) >= 1 && Number(month[2]) <= 12;
  const week = /^(\d{4})-W(\d{2})$/.exec(text);
  if (!week) return false;
  const year = Number(week[1]);
  // 28 December always falls in its year's last ISO week.
  return year >= 1 && Number(week[2]) >= 1 && `${week[1]}-W${week[2]}` <= isoWeekOf({ year, month: 12, day: 28 }).key;
}

/** ISO-8601 weeks run Monday to Sunday and belong to the year holding their Thursday. */
function isoWeekOf(date: CivilDate): BudgetPeriod {
  const days = dayNumber(date);
  // 1970-01-01 was a Thursday, so (days + 3) mod 7 counts from Monday = 0.
  const weekday = (((days + 3) % 7) + 7) % 7;
  const thursday = days - weekday + 3;
  const isoYear = fromDayNumber(thursday).year;
  const week = Math.floor((thursday - dayNumber({ year: isoYear, month: 1, day: 1 })) / 7) + 1;
  return { kind: 'week', key: `${isoYear}-W${String(week).padStart(2, '0')}`, endsOn: formatDate(fromDayNumber(days - weekday + 6)) };
}

function monthOf(date: CivilDate): BudgetPeriod {
  const firstOfNext = date.month === 12 ? { year: date.year + 1, month: 1, day: 1 } : { year: date.year, month: date.month + 1, day: 1 };
  return { kind: 'month', key: formatMonth(date), endsOn: formatDate(fromDayNumber(dayNumber(firstOfNext) - 1)) };
}

/**
 * The last local day that is closed to late uploads at `nowMs`: a period ending on or before it
 * takes no more gestures. Deciding and forgetting both use this one rule (and a budget keeps the latest
 * day it ever found closed, across time zones), so a forgotten period can never be reopened with a fresh
 * allowance.
 */
export function closedThrough(nowMs: number, timeZone: string): string {
  // Every fold asks this once per event, nearly always for the zone and minute it asked last.
  const minute = Math.floor(nowMs / 60_000);
  if (minute === lastClosed.minute && timeZone === lastClosed.timeZone) return lastClosed.through;
  const through = formatDate(fromDayNumber(dayNumber(localDateAt(nowMs, timeZone)) - limits.lateUploadWindowDays - 1));
  lastClosed = { timeZone, minute, through };
  return through;
}

/** Valid for the whole minute: every zone in use changes date on a minute boundary (see `localDateAt`). */
let lastClosed: { timeZone: string; minute: number; through: string } = { timeZone: '', minute: Number.NaN, through: '' };

/** ISO dates with four-digit years sort as text, so the comparison needs no parsing. */
export function isPeriodClosed(endsOn: string, nowMs: number, timeZone: string): boolean {
  return endsOn <= closedThrough(nowMs, timeZone);
}
