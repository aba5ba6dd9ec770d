import { InvalidAppendError } from './errors.js';
import { limits } from './limits.js';
import { ANY, NO_STREAM, STREAM_EXISTS, type EventToAppend, type ExpectedRevision } from './port.js';

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** An event id as appends take them: a lowercase UUID. */
export function isEventId(id: string): boolean {
  return uuidPattern.test(id);
}

/**
 * Rejects bad input before anything reaches a database, so a failed append never writes part of
 * its events. Returns each event's data and metadata serialised once, for the adapter to send.
 */
export function validateAppend(
  stream: unknown,
  events: unknown,
  expectedRevision: unknown,
): { serialised: Array<{ data: string; metadata: string }> } {
  if (typeof stream !== 'string' || stream.length === 0) throw new InvalidAppendError('stream', 'must be a non-empty string');
  if (stream.length > limits.streamNameMaxLength) throw new InvalidAppendError('stream', `longer than ${limits.streamNameMaxLength} characters`);
  assertExpectedRevision(expectedRevision);
  if (!Array.isArray(events) || events.length === 0) throw new InvalidAppendError('events', 'must be a non-empty array');
  if (events.length > limits.eventsPerAppendMax) throw new InvalidAppendError('events', `more than ${limits.eventsPerAppendMax} events in one append`);
  const seen = new Set<string>();
  const serialised = events.map((event: EventToAppend, i) => {
    const at = `events[${i}]`;
    if (typeof event?.id !== 'string' || !uuidPattern.test(event.id)) throw new InvalidAppendError(`${at}.id`, 'must be a lowercase UUID');
    if (seen.has(event.id)) throw new InvalidAppendError(`${at}.id`, 'repeated within the append');
    seen.add(event.id);
    if (typeof event.type !== 'string' || event.type.length === 0 || event.type.length > limits.eventTypeMaxLength) {
      throw new InvalidAppendError(`${at}.type`, `must be 1 to ${limits.eventTypeMaxLength} characters`);
    }
    if (!Number.isInteger(event.schemaVersion) || event.schemaVersion < 1) throw new InvalidAppendError(`${at}.schemaVersion`, 'must be a positive integer');
    // The walk that names the offending path runs only once the cheap one has found something wrong.
    if (!isJsonObject(event.data)) assertPlainJson(event.data, `${at}.data`, true);
    if (!isJsonObject(event.metadata)) assertPlainJson(event.metadata, `${at}.metadata`, true);
    const data = JSON.stringify(event.data);
    const metadata = JSON.stringify(event.metadata);
    if (data.length + metadata.length > limits.eventBytesMax) throw new InvalidAppendError(at, `larger than ${limits.eventBytesMax} bytes`);
    return { data, metadata };
  });
  return { serialised };
}

function assertExpectedRevision(value: unknown): asserts value is ExpectedRevision {
  if (value === NO_STREAM || value === STREAM_EXISTS || value === ANY) return;
  if (typeof value === 'bigint' && value >= 0n) return;
  throw new InvalidAppendError('expectedRevision', `unknown value ${describe(value)}: use no_stream, stream_exists, any or a revision (bigint >= 0)`);
}

/** `assertPlainJson` as a yes/no answer, without building a path string for every field on the way. */
function isJsonObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && isPlainJson(value, 0);
}

function isPlainJson(value: unknown, depth: number): boolean {
  if (depth > 32) return false;
  switch (typeof value) {
    case 'string':
      return isStorableText(value);
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value);
    case 'object': {
      if (value === null) return true;
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainJson(item, depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) {
        if (!Object.hasOwn(value, key)) continue;
        const item = (value as Record<string, unknown>)[key];
        if (item === undefined || !isStorableText(key) || !isPlainJson(item, depth + 1)) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

/**
 * Only values that survive a JSON round trip unchanged are accepted: JSON.stringify would silently
 * turn NaN into null, drop functions and turn Dates into strings, and then a retried append would no
 * longer compare equal to the stored one.
 */
function assertPlainJson(value: unknown, path: string, mustBeObject = false, depth = 0): void {
  if (depth > 32) throw new InvalidAppendError(path, 'nested deeper than 32 levels');
  if (mustBeObject && (value === null || typeof value !== 'object' || Array.isArray(value))) {
    throw new InvalidAppendError(path, 'must be a JSON object');
  }
  switch (typeof value) {
    case 'string':
      assertStorableText(value, path);
      return;
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidAppendError(path, `not serialisable: ${value}`);
      return;
    case 'object': {
      if (value === null) return;
      if (Array.isArray(value)) {
        value.forEach((item, i) => assertPlainJson(item, `${path}[${i}]`, false, depth + 1));
        return;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new InvalidAppendError(path, `not serialisable: a ${proto?.constructor?.name ?? 'class'} instance`);
      for (const [key, item] of Object.entries(value)) {
        assertStorableText(key, `${path}.${JSON.stringify(key)}`);
        if (item === undefined) throw new InvalidAppendError(`${path}.${key}`, 'not serialisable: undefined');
        assertPlainJson(item, `${path}.${key}`, false, depth + 1);
      }
      return;
    }
    default:
      throw new InvalidAppendError(path, `not serialisable: ${typeof value}`);
  }
}

/**
 * Text every adapter stores and gives back unchanged: no NUL (PostgreSQL's jsonb cannot hold U+0000) and no
 * unpaired surrogate (not Unicode; JSON.stringify escapes it, and PostgreSQL then refuses the document). Caught
 * here, a bad string fails its own append; in the database it would fail every append batched with it.
 */
function isStorableText(text: string): boolean {
  return text.isWellFormed() && !text.includes('\0');
}

function assertStorableText(text: string, path: string): void {
  if (text.includes('\0')) throw new InvalidAppendError(path, 'contains a NUL character (U+0000)');
  if (!text.isWellFormed()) throw new InvalidAppendError(path, 'contains an unpaired UTF-16 surrogate (not Unicode text)');
}

function describe(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
