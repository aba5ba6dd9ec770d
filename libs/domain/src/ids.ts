import { assert } from './assert.js';
import { limits } from './limits.js';

const opaqueId = /^[^\s\p{Cc}]+$/u;

/**
 * Employee, customer and store ids as the edge accepts them: short, URL-safe, no `~` (the gesture id
 * separator). Stricter than what the domain records (`isOpaqueId`), which also holds actors' token subjects.
 */
export const partyIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:@-]{0,63}$/;
/** `partyIdPattern` in words, for every answer that refuses an id (body field, path or query parameter, policy). */
export const partyIdRule = '1-64 letters, digits or _.:@- and start with a letter or digit';

/** What the domain records as an id (of a party, an actor, a store): 1..idLengthMax characters, none of them whitespace or a control character. */
export function isOpaqueId(id: unknown): id is string {
  return typeof id === 'string' && id.length >= 1 && id.length <= limits.idLengthMax && opaqueId.test(id);
}

/** Ids are opaque to the domain; it only insists they are short and printable, as stream names must be. */
export function assertId(id: string, what: string): void {
  assert(typeof id === 'string' && id.length >= 1 && id.length <= limits.idLengthMax, `${what} must be 1..${limits.idLengthMax} characters`);
  assert(opaqueId.test(id), `${what} must not contain whitespace or control characters`);
}

export function assertOptionalText(text: string | null, maxLength: number, what: string): void {
  if (text === null) return;
  assert(typeof text === 'string' && text.length <= maxLength, `${what} must be at most ${maxLength} characters`);
}
