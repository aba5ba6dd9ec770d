import { assert } from '../assert.js';
import { isIsoDate } from './calendar.js';

const msPerMinute = 60_000;
export const msPerDay = 86_400_000;

/**
 * Only full ISO-8601 date-times with an explicit offset are accepted: a till's local time without
 * an offset is ambiguous, and Date.parse's handling of other shapes differs between engines.
 */
const isoInstant = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/**
 * The instants a log may hold: UTC years 0001 to 9999. PostgreSQL refuses year 0 (there is none: 1 BC comes
 * before AD 1), and `toISOString` writes a year past 9999 as `+010000`, which neither it nor this module reads
 * back: one such stamp accepted into the log would stop every projection at that event, rebuilds included.
 */
const earliestMs = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z
const endMs = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z

/**
 * Also a real calendar date and clock time: `Date.parse` quietly rolls 2026-02-31 over into March and 24:00
 * into the next day, so a till's bad clock would charge another period than the one it meant. And within
 * UTC years 0001 to 9999 once its offset is applied (`earliestMs`, `endMs`).
 */
export function isIsoInstant(text: string): boolean {
  if (typeof text !== 'string') return false;
  if (canonicalInstantMs(text) !== null) return true;
  const match = isoInstant.exec(text);
  if (match === null || !isIsoDate(match[1]!)) return false;
  const [hour, minute, second, offsetHours, offsetMinutes] = [match[2], match[3], match[4] ?? '0', match[7] ?? '0', match[8] ?? '0'].map(Number) as [number, number, number, number, number];
  if (!(hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59)) return false;
  const ms = Date.parse(text);
  return ms >= earliestMs && ms < endMs;
}

/** Milliseconds since the epoch of an ISO-8601 instant. */
export function parseInstant(text: string, what: string): number {
  const canonical = canonicalInstantMs(text);
  if (canonical !== null) return canonical;
  assert(isIsoInstant(text), `${what} must be an ISO-8601 instant with an offset, got ${text}`);
  return Date.parse(text);
}

/**
 * The instant of `text` when it is written as `toISOString` writes it (UTC, milliseconds, 24 characters),
 * as the server's own stamps are, and most instants events hold. Read digit by digit with the calendar's
 * own bounds, which proves a real date and time without the pattern and field checks: a decision and a fold
 * read several stamps each, and `Date.parse` plus a `toISOString` round trip was a few per cent of a request.
 */
function canonicalInstantMs(text: string): number | null {
  if (typeof text !== 'string' || text.length !== 24) return null;
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || text.charCodeAt(10) !== 84 || text.charCodeAt(13) !== 58) return null; // - - T :
  if (text.charCodeAt(16) !== 58 || text.charCodeAt(19) !== 46 || text.charCodeAt(23) !== 90) return null; // : . Z
  const year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const hour = digits(text, 11, 2);
  const minute = digits(text, 14, 2);
  const second = digits(text, 17, 2);
  const millis = digits(text, 20, 3);
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return null;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59 || millis < 0) return null;
  return daysSinceEpoch(year, month, day) * msPerDay + ((hour * 60 + minute) * 60 + second) * 1000 + millis;
}

/** The decimal number in `text[from, from + count)`, or -1 if any of it is not an ASCII digit. */
function digits(text: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return -1;
    value = value * 10 + digit;
  }
  return value;
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
}

/** Days from 1970-01-01 in the proleptic Gregorian calendar (as `Date` counts), for years 1 to 9999. */
function daysSinceEpoch(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  return era * 146_097 + yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear - 719_468;
}

export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function addMinutes(epochMs: number, minutes: number): number {
  return epochMs + minutes * msPerMinute;
}
