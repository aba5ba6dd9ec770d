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
 * Also a real calendar date and clock time: `Date.parse` quietly rolls 2026-02-31 over into March and 24:00
 * into the next day, so a till's bad clock would charge another period than the one it meant.
 */
export function isIsoInstant(text: string): boolean {
  if (typeof text !== 'string') return false;
  const match = isoInstant.exec(text);
  if (match === null || !isIsoDate(match[1]!)) return false;
  const [hour, minute, second, offsetHours, offsetMinutes] = [match[2], match[3], match[4] ?? '0', match[7] ?? '0', match[8] ?? '0'].map(Number) as [number, number, number, number, number];
  return hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59 && Number.isFinite(Date.parse(text));
}

/** Milliseconds since the epoch of an ISO-8601 instant. */
export function parseInstant(text: string, what: string): number {
  assert(isIsoInstant(text), `${what} must be an ISO-8601 instant with an offset, got ${text}`);
  return Date.parse(text);
}

export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function addMinutes(epochMs: number, minutes: number): number {
  return epochMs + minutes * msPerMinute;
}
