import { assert } from '../assert.js';

const msPerMinute = 60_000;
export const msPerDay = 86_400_000;

/**
 * Only full ISO-8601 date-times with an explicit offset are accepted: a till's local time without
 * an offset is ambiguous, and Date.parse's handling of other shapes differs between engines.
 */
const isoInstant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function isIsoInstant(text: string): boolean {
  return typeof text === 'string' && isoInstant.test(text) && Number.isFinite(Date.parse(text));
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
