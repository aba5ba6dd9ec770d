import { assert } from '../assert.js';
import { msPerDay } from './instant.js';

/** A date on a wall calendar, with no time zone: what a store's staff would call "today". */
export interface CivilDate {
  readonly year: number;
  readonly month: number;
  readonly day: number;
}

/** Formatters are costly to build and there are only a few hundred IANA zones; the cap guards against junk input. */
const formatterCacheMax = 1_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    if (formatters.size >= formatterCacheMax) formatters.clear();
    formatter = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: 'numeric', day: 'numeric', calendar: 'gregory', numberingSystem: 'latn' });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

export function isValidTimeZone(timeZone: string): boolean {
  if (typeof timeZone !== 'string' || timeZone.length === 0) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * Recent answers, keyed by zone and minute: every time zone in use today changes date on a minute
 * boundary, and formatToParts is the costliest step of a decision. Bounded, cleared when full.
 */
const recentDates = new Map<string, CivilDate>();
const recentDatesMax = 10_000;

/** The calendar date at `epochMs` as seen on a wall clock in `timeZone`. */
export function localDateAt(epochMs: number, timeZone: string): CivilDate {
  const key = `${timeZone}|${Math.floor(epochMs / 60_000)}`;
  const known = recentDates.get(key);
  if (known !== undefined) return known;
  const date = computeLocalDate(epochMs, timeZone);
  if (recentDates.size >= recentDatesMax) recentDates.clear();
  recentDates.set(key, date);
  return date;
}

function computeLocalDate(epochMs: number, timeZone: string): CivilDate {
  const parts = formatterFor(timeZone).formatToParts(new Date(epochMs));
  const part = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value);
  const date = { year: part('year'), month: part('month'), day: part('day') };
  assert(Number.isInteger(date.year) && Number.isInteger(date.month) && Number.isInteger(date.day), `Intl gave no date for ${timeZone}`);
  return date;
}

/** Days since 1970-01-01; makes calendar arithmetic plain integer arithmetic. */
export function dayNumber(date: CivilDate): number {
  if (date.year >= 100) return Date.UTC(date.year, date.month - 1, date.day) / msPerDay;
  // Date.UTC reads years 0 to 99 as 1900 to 1999; setUTCFullYear takes them as they are.
  const at = new Date(0);
  at.setUTCFullYear(date.year, date.month - 1, date.day);
  return at.getTime() / msPerDay;
}

export function fromDayNumber(days: number): CivilDate {
  const d = new Date(days * msPerDay);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

export function formatDate(date: CivilDate): string {
  return `${pad(date.year, 4)}-${pad(date.month)}-${pad(date.day)}`;
}

export function formatMonth(date: Pick<CivilDate, 'year' | 'month'>): string {
  return `${pad(date.year, 4)}-${pad(date.month)}`;
}

const isoDate = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isIsoDate(text: string): boolean {
  const match = isoDate.exec(text);
  if (match === null) return false;
  const date = { year: Number(match[1]), month: Number(match[2]), day: Number(match[3]) };
  return formatDate(fromDayNumber(dayNumber(date))) === text;
}

/** A month key `YYYY-MM` as a single integer, so months can be subtracted. */
export function monthIndex(monthKey: string): number {
  const match = /^(\d{4})-(\d{2})$/.exec(monthKey);
  assert(match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 12, `month must be YYYY-MM, got ${monthKey}`);
  return Number(match[1]) * 12 + Number(match[2]) - 1;
}

export function monthsBetween(from: string, to: string): number {
  return monthIndex(to) - monthIndex(from);
}

export function localMonthAt(epochMs: number, timeZone: string): string {
  return formatMonth(localDateAt(epochMs, timeZone));
}
