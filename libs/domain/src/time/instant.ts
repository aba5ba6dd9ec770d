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
  if (canonicalInstantMs(text) !== null) return true;
  const match = isoInstant.exec(text);
  if (match === null || !isIsoDate(match[1]!)) return false;
  const [hour, minute, second, offsetHours, offsetMinutes] = [match[2], match[3], match[4] ?? '0', match[7] ?? '0', match[8] ?? '0'].map(Number) as [number, number, number, number, number];
  return hour <= 23 && minute <= 59 && second <= 59 && offsetHours <= 23 && offsetMinutes <= 59 && Number.isFinite(Date.parse(text));
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
 * as the server's own stamps are, and most instants events hold: formatting back to the same text proves
 * a real date and time, without the pattern and field checks (a fifth of folding a recorded event).
 */
function canonicalInstantMs(text: string): number | null {
  if (typeof text !== 'string' || text.length !== 24 || text.charCodeAt(23) !== 90 /* Z */) return null;
  // Folding one event reads its stamp more than once (the clock, then the fact itself).
  if (text === lastCanonical.text) return lastCanonical.ms;
  const ms = Date.parse(text);
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) return null;
  lastCanonical = { text, ms };
  return ms;
}

let lastCanonical: { text: string; ms: number } = { text: '', ms: 0 };

export function formatInstant(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

export function addMinutes(epochMs: number, minutes: number): number {
  return epochMs + minutes * msPerMinute;
}
