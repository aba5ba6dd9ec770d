import { assert } from './assert.js';
import { limits } from './limits.js';

const opaqueId = /^[^\s\p{Cc}]+$/u;

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
